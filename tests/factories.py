"""Plain typed factories for tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from taskengine.engine import ComponentDefinition, default_engine

TASKENGINE = str(Path(sys.executable).with_name("taskengine"))


def one_component_task(definition: ComponentDefinition, properties: dict | None = None, **common: object) -> dict:
    """A task of a single component of `definition`, with its example properties unless given."""
    component = {"type": definition.name, "properties": definition.example if properties is None else properties}
    return {"name": f"{definition.name} task", "components": [{**component, **common}]}


def all_definitions() -> list[ComponentDefinition]:
    return list(default_engine().registry)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """A `taskengine serve` process: its base URL, its first /health answer, and its output once it stopped."""

    base: str
    health: httpx.Response
    output: str = ""


@contextmanager
def serving(*arguments: str, env: dict[str, str]) -> Iterator[Served]:
    """`taskengine serve ARGUMENTS` on a free loopback port, once it answers /health; stopped when the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [TASKENGINE, "serve", *arguments, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                served = Served(base, httpx.get(f"{base}/health", timeout=1))
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "the service did not answer within 30 s"
                time.sleep(0.1)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=15)
        output = process.stdout.read().decode()
        process.stdout.close()
    served.output = output
