"""Paths under /media/: plain file names only, so serving a file never fails on (or escapes through) its name.

Litestar's static files keep a resolved path inside the folder, but a name the file system refuses (NUL, longer
than a file name may be) raises there and answers 500. Media names are ours and plain (letters, digits, '-',
'_', '.', '/' between folders), so anything else is simply not a file here: 404 before the file system is asked.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from litestar.exceptions import NotFoundException

from taskengine.api.context import AnyRequest

MAX_NAME_BYTES = 255
"""The longest file or folder name common file systems allow."""
MAX_PATH_BYTES = 1024

# Percent-encoded '/', '\' or '.' (or NUL) hide a separator or a dot segment from whoever reads the raw path.
_ENCODED = re.compile(rb"%(?:2f|5c|2e|00)", re.IGNORECASE)


async def refuse_unsafe_media_path(request: AnyRequest) -> None:
    """before_request of the /media router: 404 for names that are not plain file names."""
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode("utf-8", "surrogateescape")
    path: str = request.scope["path"]  # decoded, relative to /media
    # Segments as sent too: a server or client may have resolved dot segments in `path` but not in the raw path.
    segments = [*path.split("/"), *unquote(raw.decode("latin-1")).split("/")]
    if (
        len(raw) > MAX_PATH_BYTES
        or _ENCODED.search(raw)
        or "\x00" in path
        or "\\" in path
        or any(s in (".", "..") or len(s.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for s in segments)
    ):
        raise NotFoundException()
