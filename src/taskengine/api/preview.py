"""Route for previewing Markdown feedback as the worker will see it (SWARMS "HTML Markdown message Preview")."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post
from msgspec import Meta

from taskengine.api.body import read_json
from taskengine.api.context import TOKEN_SECURITY, AnyRequest, as_requester, requires_token
from taskengine.domain.preview import MAX_MARKDOWN_CHARS, MarkdownTooLong, render_markdown_async
from taskengine.engine import convert_collecting
from taskengine.errors import DomainError, ErrorCode


class MarkdownIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(max_length=MAX_MARKDOWN_CHARS)]


class HtmlOut(msgspec.Struct):
    html: str


@post(
    "/preview/markdown",
    status_code=200,
    tags=["preview"],
    summary="Render Markdown to safe HTML",
    guards=[requires_token],
    security=TOKEN_SECURITY,
)
async def preview_markdown(request: AnyRequest) -> HtmlOut:
    async with as_requester(request, write=False):
        pass  # only who is asking matters here; rendering needs no database
    body, problems = convert_collecting(await read_json(request), MarkdownIn)
    if body is None:
        raise DomainError(
            ErrorCode.INVALID_BODY, f'send {{"text": ...}} with at most {MAX_MARKDOWN_CHARS} characters', problems
        )
    try:
        return HtmlOut(await render_markdown_async(body.text))
    except MarkdownTooLong as exc:  # the schema bounds it already; kept so the service's own limit is honoured
        raise DomainError(ErrorCode.INVALID_BODY, str(exc)) from None
