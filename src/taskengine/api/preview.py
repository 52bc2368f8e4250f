"""Route for previewing Markdown feedback as the worker will see it (SWARMS "HTML Markdown message Preview")."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post
from litestar.params import JSONBody
from msgspec import Meta

from taskengine.api.body import json_body
from taskengine.api.context import TOKEN_SECURITY, AnyRequest, as_requester, requires_token
from taskengine.api.docs import BODY, errors
from taskengine.domain.preview import MAX_MARKDOWN_CHARS, MarkdownTooLong, render_markdown_async
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
    **json_body(MarkdownIn, description=f'send {{"text": ...}} with at most {MAX_MARKDOWN_CHARS} characters'),
    **errors(401, *BODY),
)
async def preview_markdown(request: AnyRequest, data: JSONBody[MarkdownIn]) -> HtmlOut:
    async with as_requester(request, write=False):
        pass  # only who is asking matters here; rendering needs no database
    body = data
    try:
        return HtmlOut(await render_markdown_async(body.text))
    except MarkdownTooLong as exc:  # the schema bounds it already; kept so the service's own limit is honoured
        raise DomainError(ErrorCode.INVALID_BODY, str(exc)) from None
