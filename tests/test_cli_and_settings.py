"""The `taskengine` command and settings from the environment."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from taskengine.settings import SettingsError, load_settings
from tests.factories import TASKENGINE, serving

REPO = Path(__file__).resolve().parents[1]


def test_serve_starts_the_service_on_the_given_port_and_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(env={**os.environ, "TASKENGINE_DATA_DIR": str(data)}) as served:
        assert served.health.status_code == 200 and served.health.json()["status"] == "ok"
        assert served.health.headers["X-API-Version"] == "1.0"
        assert httpx.get(f"{served.base}/components").json()["components"]
        assert data.is_dir()


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
