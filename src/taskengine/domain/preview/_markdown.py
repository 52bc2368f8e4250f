"""Markdown to HTML for requesters' messages to workers: markdown-it renders, nh3 keeps only an allow-list."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import anyio.to_thread
import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

MAX_MARKDOWN_CHARS = 20_000
"""Longer texts are refused: a feedback message has no need for more, and rendering time grows with length."""

AUDIO_EXTENSIONS = (".aac", ".mp3", ".m4a", ".ogg", ".wav")
VIDEO_EXTENSIONS = (".mp4", ".webm", ".mov")


class MarkdownTooLong(ValueError):
    """The Markdown text is longer than MAX_MARKDOWN_CHARS."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.limit = MAX_MARKDOWN_CHARS
        super().__init__(f"Markdown text is {length} characters long; at most {MAX_MARKDOWN_CHARS} are allowed")


def _media_tag(src: str) -> str | None:
    """Return "audio" or "video" when the URL's path names such a file, else None."""
    try:
        path = urlsplit(src).path.lower()
    except ValueError:  # e.g. an unbalanced "[" in the host; such a URL is left to be an image
        return None
    if path.endswith(AUDIO_EXTENSIONS):
        return "audio"
    if path.endswith(VIDEO_EXTENSIONS):
        return "video"
    return None


def _render_image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """Render `![alt](url)` as audio or video when the URL is such a file, as the SWARMS docs promise."""
    token = tokens[idx]
    src = token.attrGet("src")
    tag = _media_tag(src) if isinstance(src, str) else None
    if tag is None:
        return self.image(tokens, idx, options, env)
    # The alt text becomes fallback content, shown only by clients that cannot play the file.
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<{tag} controls src="{escapeHtml(str(src))}">{escapeHtml(alt)}</{tag}>'


def _render_cell_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """Render a table cell's alignment as `align`, since the sanitiser drops `style` attributes."""
    token = tokens[idx]
    style = token.attrGet("style")
    if isinstance(style, str) and style.startswith("text-align:"):
        del token.attrs["style"]
        token.attrSet("align", style.removeprefix("text-align:"))
    return self.renderToken(tokens, idx, options, env)


# html=False escapes raw HTML in the input; nh3 below is the second line of defence, not the only one.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])
_MARKDOWN.add_render_rule("image", _render_image)
_MARKDOWN.add_render_rule("th_open", _render_cell_open)
_MARKDOWN.add_render_rule("td_open", _render_cell_open)

_CLEANER = nh3.Cleaner(
    tags={
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "blockquote", "code",
        "pre", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "audio", "video", "source",
    },
    attributes={
        "a": {"href", "title"},
        "img": {"src", "alt", "title"},
        "audio": {"src", "controls"},
        "video": {"src", "controls"},
        "source": {"src", "type"},
        "th": {"align"},
        "td": {"align"},
    },
    url_schemes={"http", "https", "mailto"},
    # A URL without a scheme would resolve against whatever page shows the message; only absolute URLs mean
    # the same thing on the web and in the mobile app.
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
)  # fmt: skip


def _check_length(text: str) -> None:
    if len(text) > MAX_MARKDOWN_CHARS:
        raise MarkdownTooLong(len(text))


def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to show: only allow-listed tags, attributes and http(s)/mailto URLs.

    Raises MarkdownTooLong when the text has more than MAX_MARKDOWN_CHARS characters.
    """
    _check_length(text)
    return _CLEANER.clean(_MARKDOWN.render(text))


async def render_markdown_async(text: str) -> str:
    """Like render_markdown, but in a worker thread so a long text does not hold up the event loop."""
    _check_length(text)  # refuse before taking a worker thread
    return await anyio.to_thread.run_sync(render_markdown, text)
