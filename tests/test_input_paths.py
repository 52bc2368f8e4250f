"""Paths: names under /media/ that are not plain file names (NUL, dot segments, encoded separators, names no file
system takes) are 404, never 500 and never a file outside the folder; NUL anywhere in a path is 404; OPTIONS answers
every route of the route table with its methods, without a token.

On SQLite only: every answer here comes from the static files, the router or the input guard, before any query
(no test stores anything), so a PostgreSQL run checked the same code twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.routes import HTTPRoute

from taskengine.errors import ErrorCode
from tests.databases import ON_SQLITE_ONLY
from tests.test_api_components import assert_error
from tests.test_api_isolation import MISSING, fill
from tests.test_input_text import asgi_get
from tests.test_worker_api import Client

pytestmark = ON_SQLITE_ONLY

SECRET = "outside the media folder"

UNSAFE = [
    "/media/..%2fsecret.txt",
    "/media/..%2Fsecret.txt",
    "/media/%2e%2e%2fsecret.txt",
    "/media/%2E%2E/secret.txt",
    "/media/%2e%2e/secret.txt",
    "/media/sub/..%2f..%2fsecret.txt",
    "/media/..%5csecret.txt",
    "/media/..\\secret.txt",
    "/media/sub%2fok.txt",
    "/media/%2e/ok.txt",
    "/media/ok.txt%00",
    "/media/%00",
    "/media/ok%00.txt",
    "/media/" + "a" * 300,
    "/media/" + "a/" * 600 + "ok.txt",
    "/media/" + "%C3%A9" * 200,
    "/media/%FF",
    "/media/missing.txt",
]
# Dot segments as a server may pass them on, not removed: outside the folder or inside, not a plain name.
RAW_UNSAFE = [b"/media/../secret.txt", b"/media/sub/../../secret.txt", b"/media/./ok.txt", b"/media/sub/../ok.txt"]


@pytest.fixture()
def media(api: Client) -> Path:
    folder = Path(api.app.state.settings.data_dir) / "media"
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "ok.txt").write_text("ok")
    (folder / "sub" / "ok.txt").write_text("sub ok")
    (folder.parent / "secret.txt").write_text(SECRET)
    return folder


def test_plain_media_names_are_served(api: Client, media: Path) -> None:
    for path, text in (("/media/ok.txt", "ok"), ("/media/sub/ok.txt", "sub ok"), ("/media//ok.txt", "ok")):
        response = api.get(path)
        assert (response.status_code, response.text) == (200, text), path
    assert api.head("/media/ok.txt").status_code == 200


@pytest.mark.parametrize("path", UNSAFE)
def test_media_names_that_are_not_plain_are_404(api: Client, media: Path, path: str) -> None:
    for method in ("GET", "HEAD"):
        response = api.request(method, path)
        assert response.status_code == 404, (method, path, response.status_code)
        assert SECRET not in response.text
    assert_error(api.get(path), 404, ErrorCode.NOT_FOUND)


@pytest.mark.parametrize("raw", RAW_UNSAFE)
def test_media_paths_with_raw_dot_segments_are_404(api: Client, media: Path, raw: bytes) -> None:
    # Straight through ASGI, as a server passes a path it did not normalise (httpx would remove the dot segments).
    status, body = asgi_get(api, raw.decode(), [])
    assert status == 404, (raw, status, body)
    assert json.loads(body)["code"] == ErrorCode.NOT_FOUND.code
    assert SECRET.encode() not in body


@pytest.mark.parametrize("path", ["/health%00", "/components/Rating%00", "/tasks%00", "/worker%00/me", "/%00"])
def test_nul_anywhere_in_a_path_is_404(api: Client, path: str) -> None:
    assert_error(api.get(path, headers={"X-Auth-Token": "t"}), 404, ErrorCode.NOT_FOUND)


# ---------------------------------------------------------------- OPTIONS


def _all_routes(api: Client) -> list[HTTPRoute]:
    return [route for route in api.app.routes if isinstance(route, HTTPRoute)]


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["no token", "unknown token"])
def test_options_answers_every_route_with_its_methods_without_a_token(api: Client, token: str | None) -> None:
    routes = _all_routes(api)
    assert len(routes) >= 40
    headers = {} if token is None else {"X-Auth-Token": token}
    for route in routes:
        path = fill(route.path.replace("{file_path:path}", "ok.txt"), {}).replace("{name}", "Rating")
        path = path.replace("{name:str}", "Rating")
        response = api.options(path, headers=headers)
        assert response.status_code == 204, (route.path, response.status_code, response.text)
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == set(route.methods), (route.path, allowed, route.methods)
        assert response.headers.get("x-request-id"), route.path
        assert response.content == b""


def test_options_on_a_path_with_several_handlers_lists_them_all(api: Client) -> None:
    assert set(api.options(f"/tasks/{MISSING}").headers["allow"].split(", ")) == {"GET", "PUT", "DELETE", "OPTIONS"}
    assert set(api.options("/tasks").headers["allow"].split(", ")) == {"GET", "POST", "OPTIONS"}


def test_options_with_a_malformed_id_is_400(api: Client) -> None:
    assert_error(api.options("/tasks/+1"), 400, ErrorCode.INVALID_PARAMETER)
