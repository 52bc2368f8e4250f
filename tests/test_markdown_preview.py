"""The Markdown preview renders what requesters write and lets nothing executable through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskengine.domain.preview import MAX_MARKDOWN_CHARS, MarkdownTooLong, render_markdown, render_markdown_async

ALLOWED_ATTRIBUTES = {
    "p": set(), "br": set(), "hr": set(), "strong": set(), "em": set(), "del": set(), "s": set(),
    "blockquote": set(), "code": set(), "pre": set(), "ul": set(), "ol": set(), "li": set(),
    "table": set(), "thead": set(), "tbody": set(), "tr": set(),
    **{f"h{level}": set() for level in range(1, 7)},
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title"},
    "audio": {"src", "controls"},
    "video": {"src", "controls"},
    "source": {"src", "type"},
    "th": {"align"},
    "td": {"align"},
}  # fmt: skip
SAFE_URL = re.compile(r"(?i)^(https?|mailto):")


class _Elements(HTMLParser):
    """Collects every start tag with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_safe(html: str) -> None:
    """Only allow-listed tags and attributes, no event handlers, and every URL is http(s) or mailto."""
    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag in ALLOWED_ATTRIBUTES, (tag, html)
        assert set(attrs) <= ALLOWED_ATTRIBUTES[tag], (tag, attrs, html)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            if name in attrs:
                assert SAFE_URL.match(attrs[name] or ""), (tag, attrs)


def urls(html: str) -> list[str]:
    return [value or "" for _, attrs in elements(html) for name, value in attrs.items() if name in ("href", "src")]


# --- Markdown renders -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Title", "<h1>Title</h1>"),
        ("###### Small", "<h6>Small</h6>"),
        ("*soft* and **strong**", "<p><em>soft</em> and <strong>strong</strong></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("`x < 1`", "<p><code>x &lt; 1</code></p>"),
        ("---", "<hr>"),
        ("line one  \nline two", "<p>line one<br>\nline two</p>"),
    ],
)
def test_inline_and_block_markdown_renders(markdown: str, expected: str) -> None:
    assert render_markdown(markdown).strip() == expected


def test_lists_render() -> None:
    html = render_markdown("- one\n- two\n\n1. first\n2. second")
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html


def test_fenced_code_keeps_its_text_escaped_and_drops_the_language_class() -> None:
    html = render_markdown("```python\nif a < b: print('<b>')\n```")
    assert html.strip() == "<pre><code>if a &lt; b: print('&lt;b&gt;')\n</code></pre>"


def test_tables_render_with_alignment() -> None:
    html = render_markdown("| Left | Right |\n|:-----|------:|\n| a | 1 |")
    assert '<th align="left">Left</th>' in html
    assert '<th align="right">Right</th>' in html
    assert '<td align="left">a</td>' in html
    assert '<td align="right">1</td>' in html
    assert "style" not in html
    assert html.startswith("<table>\n<thead>")


def test_images_render_with_alt_and_title() -> None:
    html = render_markdown('![a cat](https://example.com/cat.png "Cat")')
    assert elements(html) == [
        ("p", {}),
        ("img", {"src": "https://example.com/cat.png", "alt": "a cat", "title": "Cat"}),
    ]


def test_links_get_rel_and_keep_their_title() -> None:
    html = render_markdown('[docs](https://example.com/docs "Read me") and <https://example.com/auto>')
    links = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert links == [
        {"href": "https://example.com/docs", "title": "Read me", "rel": "noopener noreferrer nofollow"},
        {"href": "https://example.com/auto", "rel": "noopener noreferrer nofollow"},
    ]


def test_mailto_links_survive() -> None:
    assert urls(render_markdown("[write](mailto:help@example.com)")) == ["mailto:help@example.com"]


# --- Audio and video "the same way as images" -------------------------------------------------------------------


@pytest.mark.parametrize("extension", [".aac", ".mp3", ".m4a", ".ogg", ".wav", ".MP3"])
def test_image_syntax_with_an_audio_url_renders_an_audio_player(extension: str) -> None:
    url = f"https://example.com/clip{extension}"
    html = render_markdown(f"![clip]({url})")
    assert f'<audio controls="" src="{url}">clip</audio>' in html
    assert "<img" not in html


@pytest.mark.parametrize("extension", [".mp4", ".webm", ".mov"])
def test_image_syntax_with_a_video_url_renders_a_video_player(extension: str) -> None:
    url = f"https://example.com/clip{extension}"
    html = render_markdown(f"![]({url})")
    assert f'<video controls="" src="{url}"></video>' in html
    assert "<img" not in html


def test_media_is_recognised_by_the_url_path_not_the_query_or_host() -> None:
    assert "<audio controls" in render_markdown("![](https://example.com/a.aac?token=1#t=5)")
    assert "<img" in render_markdown("![](https://example.com/a.png?as=.mp3)")
    assert "<img" in render_markdown("![](https://media.mp4)")


def test_the_required_examples_render_players() -> None:
    assert "<audio controls" in render_markdown("![clip](https://example.com/a.aac)")
    assert "<video controls" in render_markdown("![clip](https://example.com/a.mp4)")


def test_media_alt_text_is_escaped_fallback_content() -> None:
    html = render_markdown("![<b>x</b> & y](https://example.com/a.mp3)")
    assert '<audio controls="" src="https://example.com/a.mp3">&lt;b&gt;x&lt;/b&gt; &amp; y</audio>' in html


def test_media_with_an_unsafe_scheme_loses_its_url() -> None:
    html = render_markdown("![](ftp://example.com/a.mp3)")
    assert urls(html) == []
    assert_safe(html)


# --- Nothing executable gets through ----------------------------------------------------------------------------


def test_raw_script_is_escaped_not_a_tag() -> None:
    html = render_markdown("Hello <script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert elements(html) == [("p", {})]


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](java%0ascript:alert(1))",
        " [x](\tjavascript:alert(1))",
        "<javascript:alert(1)>",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![](data:image/png;base64,iVBORw0KGgo=)",  # markdown-it allows these images; the sanitiser does not
        "![](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
        "![](data:audio/mp3;base64,AAAA.mp3)",
        "[x](file:///etc/passwd)",
        "[x](ftp://example.com/a)",
        "[x](//evil.example.com/a)",
        "[x](/relative/path)",
    ],
)
def test_only_http_https_and_mailto_urls_survive(markdown: str) -> None:
    html = render_markdown(markdown)
    assert urls(html) == []
    assert not any(u.lower().startswith(("javascript:", "data:", "vbscript:")) for u in urls(html))
    assert_safe(html)


@pytest.mark.parametrize(
    "markdown",
    [
        "<img src=x onerror=alert(1)>",
        '<a href="https://example.com" onclick="alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "<body onload=alert(1)>",
        "<iframe src=javascript:alert(1)></iframe>",
        "<div style=\"background:url('javascript:alert(1)')\">x</div>",
        "<!-- <script>alert(1)</script> -->",
        "<details open ontoggle=alert(1)>",
        '[x](https://example.com "a" onmouseover="alert(1)")',
        '![x](https://example.com/a.png "t\\" onerror=\\"alert(1)")',
        '![x" onerror="alert(1)](https://example.com/a.mp3)',
    ],
)
def test_raw_html_and_event_handlers_never_become_markup(markdown: str) -> None:
    html = render_markdown(markdown)
    assert_safe(html)
    assert all(not name.startswith("on") for _, attrs in elements(html) for name in attrs)


def test_img_with_onerror_is_shown_as_text() -> None:
    html = render_markdown("<img src=x onerror=alert(1)>")
    assert html.strip() == "<p>&lt;img src=x onerror=alert(1)&gt;</p>"


# --- Length limit -----------------------------------------------------------------------------------------------


def test_text_of_exactly_the_limit_is_rendered() -> None:
    html = render_markdown("a" * MAX_MARKDOWN_CHARS)
    assert html.strip() == "<p>" + "a" * MAX_MARKDOWN_CHARS + "</p>"


def test_longer_text_is_refused_with_a_message_naming_both_numbers() -> None:
    with pytest.raises(MarkdownTooLong, match=rf"\b{MAX_MARKDOWN_CHARS + 1}\b.*\b{MAX_MARKDOWN_CHARS}\b") as caught:
        render_markdown("a" * (MAX_MARKDOWN_CHARS + 1))
    assert isinstance(caught.value, ValueError)
    assert (caught.value.length, caught.value.limit) == (MAX_MARKDOWN_CHARS + 1, MAX_MARKDOWN_CHARS)


def test_empty_text_renders_to_nothing() -> None:
    assert render_markdown("") == ""


# --- Async variant ----------------------------------------------------------------------------------------------


def test_async_variant_returns_the_same_html() -> None:
    text = "# Feedback\n\nPlease **re-record**: ![clip](https://example.com/a.aac)\n\n<script>alert(1)</script>"
    assert anyio.run(render_markdown_async, text) == render_markdown(text)


def test_async_variant_renders_concurrent_requests_independently() -> None:
    texts = [f"| n |\n|--:|\n| {i} |\n\n![v](https://example.com/{i}.mp4)" for i in range(20)]
    results: dict[int, str] = {}

    async def main() -> None:
        async def one(i: int) -> None:
            results[i] = await render_markdown_async(texts[i])

        async with anyio.create_task_group() as group:
            for i in range(len(texts)):
                group.start_soon(one, i)

    anyio.run(main)
    assert results == {i: render_markdown(text) for i, text in enumerate(texts)}


def test_async_variant_refuses_long_text() -> None:
    with pytest.raises(MarkdownTooLong):
        anyio.run(render_markdown_async, "a" * (MAX_MARKDOWN_CHARS + 1))


# --- Properties -------------------------------------------------------------------------------------------------

# Pieces of Markdown and HTML that attacks are made of, so generated text reaches links, images and raw HTML.
FRAGMENTS = [
    "<script>", "</script>", "<img src=x ", "onerror=", "onload=", "javascript:", "JaVaScRiPt:", "vbscript:",
    "data:text/html;base64,", "data:image/png;base64,", "alert(1)", "[", "]", "(", ")", "![", "](", "<", ">", '"',
    "'", "&#58;", "&#x6a;", "%0a", "\n", "\n\n", "`", "```", "|", "|---|", "- ", "> ", "*", "_", "~~", " ",
    "https://example.com/a", ".mp3", ".mp4", "mailto:", "//", "\\", "\t", "<a href=", "<svg/", "<!--", "-->",
]  # fmt: skip
markdownish = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=40).map("".join)


@given(st.text(max_size=2000) | markdownish)
def test_any_text_renders_to_safe_html(text: str) -> None:
    html = render_markdown(text)
    assert "<script" not in html.lower()
    # "javascript:" and "onerror=" may appear as text or in alt/title values, which is harmless; what must never
    # appear is an on* attribute or such a URL, so the check is on the parsed attributes, not the raw string.
    assert_safe(html)
    assert not any(u.lower().lstrip().startswith(("javascript:", "data:", "vbscript:")) for u in urls(html))


def test_dangerous_words_in_text_and_titles_stay_inert() -> None:
    html = render_markdown('say onload=1 javascript:x ![a onerror=b](https://example.com/a "javascript:c")')
    assert_safe(html)
    assert elements(html)[1] == ("img", {"src": "https://example.com/a", "alt": "a onerror=b", "title": "javascript:c"})
