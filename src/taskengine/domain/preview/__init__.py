"""Previews of what requesters write: Markdown messages rendered to safe HTML."""

from __future__ import annotations

from taskengine.domain.preview._markdown import (
    MAX_MARKDOWN_CHARS,
    MarkdownTooLong,
    render_markdown,
    render_markdown_async,
)

__all__ = ["MAX_MARKDOWN_CHARS", "MarkdownTooLong", "render_markdown", "render_markdown_async"]
