"""Every URL the service writes is encoded for where it goes: HAL links, preview HTML, the demo's shell commands."""

from __future__ import annotations

import shlex
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from litestar.testing import TestClient

from taskengine import demo
from taskengine.domain.preview import render_markdown
from taskengine.settings import load_settings
from tests.requesters import make_requester, rating_task
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]
UNSAFE = set(' "<>`\\{}|^')  # not ' : a legal URL character, and harmless in a double-quoted attribute


def assert_encoded(href: str) -> None:
    assert not UNSAFE & set(href) and href.isascii() and href.isprintable(), href


def test_hal_links_encode_what_the_request_carried(api: Client) -> None:
    headers = {**make_requester(api), "Accept": "application/hal+json"}
    for i in range(3):
        api.post("/tasks", json=rating_task(f"Task {i}"), headers=headers)
    search = 'task "<b>" été'
    response = api.get("/tasks", params={"search": "", "limit": 1, "order": "-id", "x": search}, headers=headers)
    assert response.status_code == 200, response.text
    links = response.json()["_links"]
    for name in ("self", "next"):
        href = links[name]["href"]
        assert_encoded(href)
        assert urlsplit(href).path == "/tasks"
        assert ("x", search) in parse_qsl(urlsplit(href).query), href
    # Following the link gets the next page.
    assert api.get(links["next"]["href"], headers=headers).status_code == 200


def test_the_worker_market_links_are_encoded(api: Client) -> None:
    requester = make_requester(api, credit="20")
    published(api, requester, results=1, jobs=2)
    _, worker = make_worker(api)
    links = api.get("/worker/jobs", params={"limit": 1}, headers=worker).json()["_links"]
    assert_encoded(links["self"]["href"])
    assert_encoded(links["next"]["href"])
    assert dict(parse_qsl(urlsplit(links["next"]["href"]).query))["limit"] == "1"
    assert api.get(links["next"]["href"], headers=worker).json()["jobs"]


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value or "" for name, value in attrs if name in ("src", "href"))


@pytest.mark.parametrize(
    "markdown",
    [
        "![a](<https://x.example/a b.mp4>)",
        '![a](https://x.example/a"onerror=alert(1).mp4)',
        "![a](<https://x.example/a\"b'c.aac>)",
        "![a](https://x.example/\u00e9t\u00e9.png)",
        "[x](https://x.example/<script>?q=<b>&c='1')",
        '![x](https://x.example/a.mp4?q="><script>)',
    ],
)
def test_preview_html_percent_encodes_media_and_link_urls(markdown: str) -> None:
    parser = _Attributes()
    html = render_markdown(markdown)
    parser.feed(html)
    assert parser.urls, html
    for url in parser.urls:
        assert_encoded(url)
        assert url.startswith("https://x.example/")
    assert "<script" not in html and "onerror=" not in html.replace("%22onerror=", "")


def test_the_demo_commands_quote_the_public_url(tmp_path: Path) -> None:
    public = "http://127.0.0.1:8000/it's$(touch${IFS}pwned)`id`"
    settings = load_settings({"TASKENGINE_PUBLIC_URL": public}, data_dir=tmp_path)
    info = demo.DemoInfo(
        requester_email="demo@taskengine.local",
        requester_password="demo-password",
        requester_id=1,
        worker_email="worker@taskengine.local",
        worker_password="it's a secret",
        worker_id=1,
        campaign_id=2,
        campaign_state="active",
        job_id=3,
        task_ids=(4,),
        component_types=("Text",),
        media_dir=str(tmp_path),
        media_urls=(),
        created=True,
    )
    commands = [line.strip() for line in demo.demo_banner(info, settings.base_url).splitlines() if "curl " in line]
    assert len(commands) == 8
    for command in commands:
        words = shlex.split(command.split("   #")[0])
        assert words[0] == "curl"
        urls = [word for word in words if word.startswith("http")]
        assert len(urls) == 1 and urls[0].startswith(public + "/"), command
    sign_in = next(shlex.split(c) for c in commands if "/worker/auth/token/request" in c)
    assert '"password":"it\'s a secret"' in sign_in[sign_in.index("-d") + 1]
