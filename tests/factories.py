"""Plain typed factories for tests."""

from __future__ import annotations

import socket

from taskengine.engine import ComponentDefinition, default_engine


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
