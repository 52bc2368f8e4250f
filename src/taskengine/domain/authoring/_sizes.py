"""Download and upload sizes a phone must reckon with, from what each component shows and records."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from taskengine.engine import Engine


class MediaSizes(Protocol):
    """Knows the size of media in our own storage; None for anything else (external URLs are never fetched)."""

    def size_of(self, url: str) -> int | None: ...


class LocalMediaSizes:
    """Sizes of files in the local media folder, which the service publishes under `<base_url>/media/`."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root.resolve()
        self.prefix = f"{base_url.rstrip('/')}/media/"

    def size_of(self, url: str) -> int | None:
        if not url.startswith(self.prefix):
            return None
        try:
            path = (self.root / url[len(self.prefix) :].split("?", 1)[0]).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                return None
            return path.stat().st_size
        except (OSError, ValueError):  # a name too long for the file system, a NUL: no such file of ours
            return None


def task_sizes(engine: Engine, task: Any, media: MediaSizes) -> tuple[int, int]:
    """Bytes of known media the task shows (each URL once) and an upper estimate of what answering it uploads."""
    urls: set[str] = set()
    upload = 0
    for component in task.components:
        definition = engine.definition_of(component)
        urls.update(definition.media_urls(component.properties))
        upload += definition.estimated_upload_bytes(component.properties)
    return sum(size for url in urls if (size := media.size_of(url)) is not None), upload


_UNITS = ("B", "KB", "MB", "GB", "TB")


def format_size(size: int) -> str:
    """Human-readable like SWARMS ("3 MB", "1.5 KB"), in binary units."""
    value, unit = float(size), 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    if unit == 0:
        return f"{size} B"
    return f"{value:.1f} {_UNITS[unit]}".replace(".0 ", " ")
