"""POST /preview/markdown (SWARMS "HTML Markdown message Preview"): Markdown in, safe HTML out, for requesters only."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

from taskengine.domain.preview import MAX_MARKDOWN_CHARS
from taskengine.errors import ErrorCode
from tests.test_api_campaigns import Client, assert_error, make_requester

PATH = "/preview/markdown"
SAFE_SCHEMES = ("http://", "https://", "mailto:")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(markup: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.found


def preview(api: Client, headers: dict[str, str], body: Any) -> Any:
    return api.post(PATH, json=body, headers=headers)


def rendered(api: Client, headers: dict[str, str], text: str) -> str:
    response = preview(api, headers, {"text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"html"} and isinstance(body["html"], str)
    return str(body["html"])


def assert_harmless(markup: str) -> None:
    """No script, no event handler, no frame or object, and every link or source is http(s) or mailto."""
    lowered = markup.lower()
    assert "<script" not in lowered, markup
    for tag, attrs in elements(markup):
        assert tag not in {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "base"}, markup
        for name, value in attrs.items():
            assert not name.startswith("on"), markup
            assert name not in {"style", "srcdoc", "formaction"}, markup
            if name in {"href", "src", "action", "poster", "background", "cite"}:
                url = html.unescape(value).strip().lower()
                assert url.startswith(SAFE_SCHEMES), markup
            assert "javascript:" not in html.unescape(value).lower().replace("\t", "").replace("\n", ""), markup


def test_the_preview_needs_a_token(api: Client) -> None:
    error = assert_error(api.post(PATH, json={"text": "# Hi"}), 401, ErrorCode.UNAUTHORIZED)
    assert "X-Auth-Token" in error["description"]
    assert_error(api.post(PATH, json={"text": "# Hi"}, headers={"X-Auth-Token": "nope"}), 401, ErrorCode.UNAUTHORIZED)


def test_markdown_becomes_html(api: Client) -> None:
    headers = make_requester(api)
    assert rendered(api, headers, "# Hi").strip() == "<h1>Hi</h1>"
    assert rendered(api, headers, "Be **more** _precise_, please").strip() == (
        "<p>Be <strong>more</strong> <em>precise</em>, please</p>"
    )
    items = rendered(api, headers, "- one\n- two")
    assert [tag for tag, _ in elements(items)] == ["ul", "li", "li"]
    link = rendered(api, headers, "[docs](https://example.com/a?b=1&c=2)")
    anchors = [attrs for tag, attrs in elements(link) if tag == "a"]
    assert len(anchors) == 1 and anchors[0]["href"] == "https://example.com/a?b=1&c=2"
    image = rendered(api, headers, "![a cat](https://example.com/cat.png)")
    assert [(tag, attrs.get("src")) for tag, attrs in elements(image) if tag == "img"] == [
        ("img", "https://example.com/cat.png")
    ]
    assert rendered(api, headers, "") == ""


def test_audio_and_video_are_included_like_images(api: Client) -> None:
    headers = make_requester(api)
    audio = elements(rendered(api, headers, "![listen](https://example.com/a.mp3)"))
    video = elements(rendered(api, headers, "![watch](https://example.com/v.mp4)"))
    assert ("audio", "https://example.com/a.mp3") in [(tag, attrs.get("src")) for tag, attrs in audio]
    assert ("video", "https://example.com/v.mp4") in [(tag, attrs.get("src")) for tag, attrs in video]


ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "Hello <script>alert(1)</script> world",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1) )",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "![x](javascript:alert(1))",
    "![x](javascript:alert(1).mp3)",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '[x](https://example.com "title" onmouseover=alert(1))',
    '![x](https://example.com/a.png"onerror="alert(1))',
    "<https://example.com/x><javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[click][a]",
    "```html\n<script>alert(1)</script>\n```",
]


def test_scripts_and_javascript_urls_never_survive(api: Client) -> None:
    headers = make_requester(api)
    failures = []
    for text in ATTACKS:
        markup = rendered(api, headers, text)
        try:
            assert_harmless(markup)
        except AssertionError:
            failures.append((text, markup))
    assert failures == []


def test_the_longest_text_allowed_renders_and_a_longer_one_is_422(api: Client) -> None:
    headers = make_requester(api)
    assert preview(api, headers, {"text": "a" * MAX_MARKDOWN_CHARS}).status_code == 200
    error = assert_error(preview(api, headers, {"text": "a" * (MAX_MARKDOWN_CHARS + 1)}), 422, ErrorCode.INVALID_BODY)
    assert [p["path"] for p in error["problems"]] == ["text"]
    assert str(MAX_MARKDOWN_CHARS) in error["description"] + error["problems"][0]["message"]


NOT_A_TEXT: list[tuple[Any, str | None]] = [
    ({}, "text"),
    ({"text": None}, "text"),
    ({"text": 5}, "text"),
    ({"text": ["# Hi"]}, "text"),
    ({"text": {"markdown": "# Hi"}}, "text"),
    ({"text": True}, "text"),
    ({"text": "# Hi", "html": "<b>x</b>"}, "html"),
    ({"markdown": "# Hi"}, None),
]


def test_a_missing_or_non_string_text_is_422_naming_the_field(api: Client) -> None:
    headers = make_requester(api)
    for body, path in NOT_A_TEXT:
        error = assert_error(preview(api, headers, body), 422, ErrorCode.INVALID_BODY)
        paths = [p["path"] for p in error["problems"]]
        assert (path in paths) if path else bool(paths), (body, error)


def test_a_body_that_is_not_an_object_is_refused(api: Client) -> None:
    headers = make_requester(api)
    for body in (b"[]", b'"# Hi"', b"null", b"42"):
        response = api.post(PATH, content=body, headers={**headers, "Content-Type": "application/json"})
        assert_error(response, 422, ErrorCode.INVALID_BODY)


def test_a_body_that_is_not_json_is_refused(api: Client) -> None:
    headers = make_requester(api)
    assert_error(
        api.post(PATH, content=b"# Hi", headers={**headers, "Content-Type": "text/markdown"}),
        415,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    )
    assert_error(
        api.post(PATH, content=b"{", headers={**headers, "Content-Type": "application/json"}),
        400,
        ErrorCode.INVALID_JSON,
    )
    assert_error(
        api.post(PATH, content=b"", headers={**headers, "Content-Type": "application/json"}),
        400,
        ErrorCode.INVALID_JSON,
    )
