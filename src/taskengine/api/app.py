"""The Litestar application, built in one place from settings."""

from __future__ import annotations

import logging

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from taskengine import API_VERSION, __version__
from taskengine.api.components import ComponentController, SchemaController
from taskengine.api.errors import EXCEPTION_HANDLERS
from taskengine.api.headers import add_standard_headers
from taskengine.api.health import health
from taskengine.engine import default_engine
from taskengine.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    """The app for `settings` (default: from the environment)."""
    settings = settings or load_settings()
    default_engine()  # a broken catalogue must stop start-up, not the first request
    logging.getLogger("taskengine").setLevel(settings.log_level.upper())
    return Litestar(
        route_handlers=[ComponentController, SchemaController, health],
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[add_standard_headers],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="taskengine",
            version=__version__,
            description=f"API version {API_VERSION}. Errors are {{code, message, description}}.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        state=State({"settings": settings}),
        debug=settings.debug,
    )
