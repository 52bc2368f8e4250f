"""The Litestar application, built in one place from settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from taskengine import API_VERSION, __version__
from taskengine.api.accounts import AuthController, ProfileController
from taskengine.api.body import body_principal
from taskengine.api.campaigns import CampaignController
from taskengine.api.components import ComponentController, SchemaController
from taskengine.api.docs import ClosedStructs, render_plugins, schema_router, swagger_assets
from taskengine.api.encoding import DecodedBodies
from taskengine.api.errors import EXCEPTION_HANDLERS
from taskengine.api.groups import GroupController
from taskengine.api.headers import add_standard_headers
from taskengine.api.health import health
from taskengine.api.inputs import InputGuard
from taskengine.api.jobs import JobController
from taskengine.api.media_paths import refuse_unsafe_media_path
from taskengine.api.path_objects import unnamed
from taskengine.api.preview import preview_markdown
from taskengine.api.ratelimits import RateLimiter
from taskengine.api.results import ResultController
from taskengine.api.tasks import TaskController
from taskengine.api.worker import SequenceController, WorkerAuthController, WorkerController
from taskengine.db import Database
from taskengine.domain.authoring import LocalMediaSizes
from taskengine.domain.scheduler import run_due
from taskengine.engine import default_engine
from taskengine.settings import Settings, load_settings

log = logging.getLogger("taskengine")

ROUTES: list[ControllerRouterHandler] = [
    health,
    ComponentController,
    SchemaController,
    AuthController,
    ProfileController,
    TaskController,
    JobController,
    CampaignController,
    preview_markdown,
    GroupController,
    ResultController,
    WorkerAuthController,
    WorkerController,
    SequenceController,
]


async def _sweep(db: Database, every: float) -> None:
    """Run the scheduler's due work now and then (domain/scheduler.py); every process may run it at once."""
    while True:
        try:
            await run_due(db)
        except Exception:  # a failed pass must not end the loop; the next one retries
            log.exception("due work failed")
        await asyncio.sleep(every)


def _cors(settings: Settings) -> CORSConfig | None:
    """Browsers on the configured origins may call the API with either token header; off when none are set.

    Litestar answers preflights outside the app's middleware (InputGuard's OPTIONS answer is for other clients).
    """
    origins = settings.cors_origin_list
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["X-Auth-Token", "Authorization", "Idempotency-Key", "Content-Type", "Content-Encoding"],
        expose_headers=["Retry-After", "X-Request-ID", "X-API-Version", "ETag", "Idempotent-Replayed"],
        max_age=600,
    )


def create_app(settings: Settings | None = None, *, sweeper: bool = True) -> Litestar:
    """The app for `settings` (default: from the environment). The database must be migrated already."""
    settings = settings or load_settings()
    default_engine()  # a broken catalogue must stop start-up, not the first request
    logging.getLogger("taskengine").setLevel(settings.log_level.upper())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = Database(settings.resolved_database_url)
        app.state.db = db
        task = asyncio.create_task(_sweep(db, settings.sweep_seconds)) if sweeper else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await db.dispose()

    rate_limiter = RateLimiter.from_settings(settings)
    media = settings.data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    # Local media (samples, and uploads once they exist) are public files under /media/.
    media_files = create_static_files_router(
        path="/media", directories=[media], include_in_schema=False, before_request=refuse_unsafe_media_path
    )
    app = Litestar(
        route_handlers=[*ROUTES, media_files, swagger_assets()],
        plugins=[ClosedStructs()],
        exception_handlers=EXCEPTION_HANDLERS,
        # Outermost first: headers, query and path ids are checked before any body is decoded; gzip / deflate
        # bodies are then decoded below every route, bounded by the same limit (api/encoding.py).
        middleware=[InputGuard, DefineMiddleware(DecodedBodies, max_body_bytes=settings.max_body_bytes)],
        before_send=[add_standard_headers],
        request_max_body_size=settings.max_body_bytes,
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        cors_config=_cors(settings),
        lifespan=[lifespan],
        on_shutdown=[rate_limiter.close] if rate_limiter else [],
        openapi_config=OpenAPIConfig(
            title="taskengine",
            version=__version__,
            description=f"API version {API_VERSION}. Errors are {{code, message, description, problems?}}.",
            path="/schema",
            render_plugins=render_plugins(),
            openapi_router=schema_router(),
            components=Components(
                security_schemes={
                    "authToken": SecurityScheme(type="apiKey", name="X-Auth-Token", security_scheme_in="header"),
                    "bearerToken": SecurityScheme(type="http", scheme="bearer", description="the same token"),
                }
            ),
        ),
        state=State(
            {
                "settings": settings,
                "media_sizes": LocalMediaSizes(settings.data_dir / "media", settings.base_url),
                "rate_limiter": rate_limiter,
            }
        ),
        debug=settings.debug,
    )
    if missing := list(unnamed(app.routes, body_principal)):
        raise RuntimeError(f"body routes whose path ids have no lookup in api/path_objects.py: {missing}")
    return app
