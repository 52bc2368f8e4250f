"""Request bodies sent with a Content-Encoding: gzip and deflate are decoded as they arrive, bounded.

Phones on slow links compress what they send. Decoding happens here, below every route, so everything above it
(the size limit, `read_json`, idempotency fingerprints, stored submissions) sees the body as the client meant it.
The body is inflated a piece at a time and counted against TASKENGINE_MAX_BODY_BYTES after decoding, so a gzip
bomb is refused with 413 having inflated at most the limit plus one piece. Nothing happens until a handler reads
the body: a route that reads none is not refused for a header about a body it ignores.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from taskengine.errors import DomainError, ErrorCode

SUPPORTED_ENCODINGS = "gzip, deflate, identity"
"""What a 415 for an unsupported encoding lists in its Accept-Encoding header (RFC 7694)."""

# A 415 for an encoding says which ones would do, so a client can retry without guessing.
_ACCEPTED = {"Accept-Encoding": SUPPORTED_ENCODINGS}

MAX_CODINGS = 3
"""More layers than this are refused: `gzip, gzip` has a use (a proxy compressing again), ten layers have none."""

_PIECE = 64 * 1024
"""Most bytes one decoding step may produce: the bound on what is inflated past the limit."""

_GZIP = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate data
_ZLIB = zlib.MAX_WBITS
_RAW = -zlib.MAX_WBITS


class _Undecodable(Exception):
    """The body does not decode; the message says why, for the 400."""


class _Inflater:
    """One content coding (gzip or deflate) undone incrementally, never producing more than _PIECE at a step."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._head = b""  # deflate only: bytes kept until its first two tell zlib-wrapped from raw
        self._obj: zlib._Decompress | None = None

    def _start(self, data: bytes) -> zlib._Decompress:
        if self.coding == "gzip":
            return zlib.decompressobj(_GZIP)
        # "deflate" means zlib-wrapped (RFC 9110), yet some clients send raw deflate; the zlib header tells them apart.
        wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.decompressobj(_ZLIB if wrapped else _RAW)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._obj is None:
            data = self._head + data
            if self.coding == "deflate" and len(data) < 2:
                self._head = data
                return
            if not data:
                return
            self._head, self._obj = b"", self._start(data)
        try:
            while data:
                if self._obj.eof:
                    # A gzip body may be several members one after another (RFC 1952); anything else is garbage.
                    if self.coding != "gzip" or not data.startswith(b"\x1f\x8b"):
                        raise _Undecodable(f"the {self.coding} body has data after its end")
                    self._obj = self._start(data)
                out = self._obj.decompress(data, _PIECE)
                data = self._obj.unused_data if self._obj.eof else self._obj.unconsumed_tail
                if out:
                    yield out
        except zlib.error as exc:
            raise _Undecodable(f"the {self.coding} body is corrupt: {_reason(exc)}") from None

    def finish(self) -> Iterator[bytes]:
        if self._obj is None:
            if self._head:  # a single byte is no deflate stream
                raise _Undecodable(f"the {self.coding} body is truncated")
            return  # an empty body stays empty: nothing was compressed
        try:
            out = self._obj.flush()
        except zlib.error as exc:
            raise _Undecodable(f"the {self.coding} body is corrupt: {_reason(exc)}") from None
        if out:
            yield out
        if not self._obj.eof:
            raise _Undecodable(f"the {self.coding} body is truncated: it ends before the compressed data does")


def _reason(exc: zlib.error) -> str:
    """zlib's words without its error number ("Error -3 while decompressing data: incorrect header check")."""
    return str(exc).rsplit(": ", 1)[-1]


def _through(layer: _Inflater, pieces: Iterator[bytes], final: bool) -> Iterator[bytes]:
    for piece in pieces:
        yield from layer.feed(piece)
    if final:
        yield from layer.finish()


def codings_of(header: str) -> list[str]:
    """The codings of a Content-Encoding header in the order applied, identity dropped; DomainError 415 otherwise."""
    codings = []
    for name in (part.strip().lower() for part in header.split(",")):
        if name in ("", "identity"):
            continue
        if name not in ("gzip", "x-gzip", "deflate"):
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise DomainError(
                ErrorCode.UNSUPPORTED_ENCODING,
                f"Content-Encoding {shown!r} is not supported; send the body uncompressed, or with gzip or deflate",
                headers=_ACCEPTED,
            )
        codings.append("gzip" if name == "x-gzip" else name)
    if len(codings) > MAX_CODINGS:
        raise DomainError(
            ErrorCode.UNSUPPORTED_ENCODING,
            f"the body has {len(codings)} content codings; at most {MAX_CODINGS} are supported",
            headers=_ACCEPTED,
        )
    return codings


class _DecodingReceive:
    """`receive` handing the handler decoded pieces, counting wire and decoded bytes against the limit."""

    def __init__(self, receive: Receive, header: str, limit: int, announced: int | None) -> None:
        self._receive = receive
        self._header = header
        self._limit = limit
        self._announced = announced
        self._layers: list[_Inflater] | None = None  # built when the body is first read, so errors come then
        self._pending: Iterator[bytes] = iter(())
        self._ended = False
        self._wire = 0
        self._decoded = 0

    def _too_large(self, what: str) -> DomainError:
        limit = f"the request body exceeds the limit of {self._limit} bytes"
        return DomainError(ErrorCode.BODY_TOO_LARGE, f"{limit} {what}")

    async def __call__(self) -> ReceiveMessage:
        if self._layers is None:
            # Decoding runs in the reverse of the order the codings were applied in.
            self._layers = [_Inflater(coding) for coding in reversed(codings_of(self._header))]
            if self._announced is not None and self._announced > self._limit:
                raise self._too_large("as sent")
        while True:
            try:
                piece = next(self._pending, None)
            except _Undecodable as exc:
                raise DomainError(ErrorCode.BAD_REQUEST, str(exc)) from None
            if piece is not None:
                self._decoded += len(piece)
                if self._decoded > self._limit:
                    raise self._too_large("once decompressed")
                return HTTPRequestEvent(type="http.request", body=piece, more_body=True)
            if self._ended:
                return HTTPRequestEvent(type="http.request", body=b"", more_body=False)
            message = await self._receive()
            if message["type"] != "http.request":
                return message  # a disconnect: the handler learns of it as it would without an encoding
            chunk, more = message.get("body", b""), message.get("more_body", False)
            self._wire += len(chunk)
            if self._wire > self._limit:
                raise self._too_large("as sent")
            self._ended = not more
            pieces: Iterator[bytes] = iter([chunk])
            for layer in self._layers:
                pieces = _through(layer, pieces, final=self._ended)
            self._pending = pieces


class DecodedBodies:
    """ASGI middleware: requests with a Content-Encoding get a decoding `receive` and lose the headers it voids."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        encoding: bytes | None = None
        length: bytes | None = None
        kept = []
        for name, value in scope["headers"]:
            if name == b"content-encoding":
                encoding = value if encoding is None else encoding + b", " + value
            elif name == b"content-length":
                length = value
            else:
                kept.append((name, value))
        if encoding is None:
            await self.app(scope, receive, send)
            return
        # Content-Length counts the encoded bytes: it says nothing true about the decoded body handlers read.
        announced = int(length) if length is not None and length.isdigit() and len(length) < 20 else None
        decoding = _DecodingReceive(receive, encoding.decode("latin-1"), self.max_body_bytes, announced)
        scope["headers"] = kept  # in place: the scope is shared with the hooks that add response headers
        await self.app(scope, decoding, send)
