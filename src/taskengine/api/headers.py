"""Headers on every response, errors, 304s, OPTIONS and static files included.

X-Request-ID (echoed when the client sent a sane one) and X-API-Version; and the security headers: no MIME
sniffing, a Content-Security-Policy that lets a response load nothing and be framed by nobody (the API serves
data, never pages), no Referer leaking ids in URLs, and Cache-Control. Caching is denied unless a response is
known to be public: a route added tomorrow that carries private data is safe by default.
"""

from __future__ import annotations

import re
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from taskengine import API_VERSION

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
PRIVATE = "no-store"
"""Everything authenticated, and anything not listed below: kept by no cache, not even the client's."""

CATALOGUE = "public, max-age=300"
"""The component catalogue and schemas: the same for everyone, changing only with a deployment."""

MEDIA = "public, max-age=3600"
"""Files under /media/: public by design (samples; uploads get names that are never reused)."""

# (path prefix, policy) for successful GET / HEAD answers. /health is deliberately absent: a cached "ok"
# would hide an outage from whatever is checking.
_PUBLIC = (
    ("/components", CATALOGUE),
    ("/schemas/", CATALOGUE),
    ("/schema/openapi.json", CATALOGUE),
    ("/media/", MEDIA),
)


def request_id(scope: Scope) -> str:
    """The request's id: the client's X-Request-ID if well-formed, otherwise a new one (kept in the scope)."""
    state = scope.setdefault("state", {})
    rid = state.get("request_id")
    if rid is None:
        sent = next((v for k, v in scope.get("headers", ()) if k == b"x-request-id"), b"").decode("latin-1")
        rid = sent if _SANE_ID.match(sent) else uuid.uuid4().hex
        state["request_id"] = rid
    return str(rid)


def cache_policy(method: str, path: str, status: int) -> str:
    """The Cache-Control of a response that did not set its own."""
    if method in ("GET", "HEAD") and status == 200:
        for prefix, policy in _PUBLIC:
            # "/components" and "/components/Rating" are the catalogue; "/componentsX" is not.
            if path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/"):
                return policy
    return PRIVATE  # errors included: a 404 or 401 must not be replayed from a cache later


async def add_standard_headers(message: Message, scope: Scope) -> None:
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        headers["X-Request-ID"] = request_id(scope)
        headers["X-API-Version"] = API_VERSION
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        # A response that states its own policy keeps it (the job sequence revalidates with its ETag; a future
        # HTML preview page will need a policy that lets it load its scripts).
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if "cache-control" not in headers:
            method, path = str(scope.get("method", "GET")), str(scope.get("path", ""))
            headers["Cache-Control"] = cache_policy(method, path, message["status"])
