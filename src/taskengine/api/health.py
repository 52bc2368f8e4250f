"""Health: whether this process is up and what it serves."""

from __future__ import annotations

import msgspec
from litestar import get

from taskengine import API_VERSION, __version__
from taskengine.api.docs import errors
from taskengine.engine import default_engine


class Health(msgspec.Struct, rename="camel"):
    status: str
    version: str
    api_version: str
    component_types: int


@get("/health", tags=["operations"], summary="Liveness and what this process serves", **errors())
async def health() -> Health:
    return Health(
        status="ok", version=__version__, api_version=API_VERSION, component_types=len(default_engine().registry)
    )
