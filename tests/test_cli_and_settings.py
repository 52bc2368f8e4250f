"""The `taskengine` command and settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from taskengine.settings import SettingsError, load_settings
from tests.factories import free_port

REPO = Path(__file__).resolve().parents[1]
TASKENGINE = str(Path(sys.executable).with_name("taskengine"))


def test_serve_starts_the_service_on_the_given_port_and_data_folder(tmp_path: Path) -> None:
    port, data = free_port(), tmp_path / "data"
    env = {**os.environ, "TASKENGINE_DATA_DIR": str(data)}
    process = subprocess.Popen(
        [TASKENGINE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the service did not answer within 30 s"
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["status"] == "ok"
        assert response.headers["X-API-Version"] == "1.0"
        assert httpx.get(f"http://127.0.0.1:{port}/components").json()["components"]
        assert data.is_dir()
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stdout.close()  # type: ignore[union-attr]


def test_bad_setting_stops_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "TASKENGINE_PORT": "eighty", "TASKENGINE_DATA_DIR": str(tmp_path)}
    out = subprocess.run([TASKENGINE, "serve"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "TASKENGINE_PORT must be a whole number, got 'eighty'" in out.stderr


def test_components_markdown_prints_the_table() -> None:
    out = subprocess.run([TASKENGINE, "components", "--markdown"], capture_output=True, text=True, check=True)
    assert "| Rating | interactive |" in out.stdout


def test_settings_defaults_and_environment() -> None:
    assert load_settings({}).port == 8000
    settings = load_settings(
        {"TASKENGINE_PORT": "9001", "TASKENGINE_DATA_DIR": "/srv/te", "TASKENGINE_DEBUG": "yes", "OTHER": "x"}
    )
    assert (settings.port, settings.data_dir, settings.debug) == (9001, Path("/srv/te"), True)
    assert load_settings({"TASKENGINE_PORT": "9001"}, port=7000).port == 7000


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TASKENGINE_PORT": "0"}, "TASKENGINE_PORT must be between 1 and 65535"),
        ({"TASKENGINE_DEBUG": "maybe"}, "TASKENGINE_DEBUG must be true or false"),
        ({"TASKENGINE_MAX_BODY_BYTES": "10"}, "TASKENGINE_MAX_BODY_BYTES must be between"),
        ({"TASKENGINE_LOG_LEVEL": "loud"}, "TASKENGINE_LOG_LEVEL must be one of"),
    ],
)
def test_bad_settings_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)
