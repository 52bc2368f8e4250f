"""The HTTP API: thin Litestar controllers over the engine and the services."""

from taskengine.api.app import create_app

__all__ = ["create_app"]
