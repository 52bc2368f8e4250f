"""Media URLs in task definitions: no credentials and no internal hosts, however they are spelled.

The cases are generated from the catalogue: every URL-typed attribute of every component type gets every
refused spelling, in the engine and over HTTP (POST /tasks, PUT /tasks/{id}, validate-task, validate-result)
on both databases.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from taskengine.api import create_app
from taskengine.engine import ComponentDefinition, Engine, UrlPolicy, default_engine
from taskengine.errors import ErrorCode
from taskengine.settings import load_settings
from tests.databases import sqlite_database
from tests.requesters import make_requester
from tests.test_api_components import assert_error

Client = TestClient  # type: ignore[type-arg]

CREDENTIALS = ["https://user@example.com/a.jpg", "https://user:secret@example.com/a.jpg", "https://@example.com/a"]
INTERNAL = [
    # loopback, in every spelling browsers accept
    "http://127.0.0.1/a.jpg", "http://127.0.0.2:8080/a.jpg", "http://127.255.255.254/", "http://2130706433/",
    "http://0x7f.1/", "http://0x7f000001/", "http://127.1/", "http://127.0.1/", "http://0177.0.0.1/",
    "http://017700000001/", "http://0x7F.0.0.1/", "http://127.0.0.1./", "http://%31%32%37.0.0.1/",
    "http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11/", "http://\\127.0.0.1/", "http://localhost/a.jpg",
    "http://LOCALHOST:8000/", "http://localhost./", "http://app.localhost/", "http://[::1]/", "http://[::]/",
    "http://[0:0:0:0:0:0:0:1]:8000/",
    # unspecified
    "http://0.0.0.0/", "http://0/", "http://0.0.0.0:8000/",
    # private ranges
    "http://10.0.0.1/", "http://10.255.255.255/", "http://012.1/", "http://167772161/", "http://172.16.0.1/",
    "http://172.31.255.255/", "http://192.168.0.1/", "http://192.168.1.1:8443/a.jpg", "http://0xc0.0xa8.1.1/",
    "http://100.64.0.1/", "http://[fc00::1]/", "http://[fd12:3456:789a::1]/",
    # link-local and cloud metadata
    "http://169.254.169.254/latest/meta-data/", "http://169.254.0.1/", "http://2852039166/", "http://[fe80::1]/",
    "http://metadata.google.internal/computeMetadata/v1/", "http://metadata/", "http://instance-data.ec2.internal/",
    "http://[fd00:ec2::254]/",
    # IPv4 inside IPv6
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:10.0.0.1]/", "http://[::ffff:8.8.8.8]/",
    "http://[::127.0.0.1]/", "http://[2002:7f00:1::]/", "http://[64:ff9b::a9fe:a9fe]/",
    # other names that never leave the local network
    "http://printer.local/", "http://nas.home.arpa/", "http://intranet/",
    # not a host at all, as a browser reads it
    "http://1.2.3.4.5/", "http://256.1.1.1/", "http://[::1%25eth0]/", "http://exa_mple@/",
]  # fmt: skip
ALLOWED = [
    "https://example.com/a.jpg", "http://example.com:8080/a.jpg", "https://8.8.8.8/a.jpg", "https://[2001:4860::8888]/",
    "https://172.32.0.1/", "https://cdn.example.co.uk/a/b.jpg?size=2#top", "https://xn--bcher-kva.example/a.jpg",
    "https://b\u00fccher.example/a.jpg", "https://my-bucket.s3.amazonaws.com/localhost/127.0.0.1.jpg",
    "https://example.com/@user/a.jpg", "https://example.com/a.jpg?next=http://127.0.0.1/",
]  # fmt: skip
REFUSED = CREDENTIALS + INTERNAL
OWN = "http://127.0.0.1:8000"  # the tests' TASKENGINE_PUBLIC_URL (the default http://HOST:PORT)


def url_fields() -> list[tuple[ComponentDefinition, str]]:
    """(component type, path under properties) of every URL-typed attribute in the catalogue."""
    found = []
    for definition in default_engine().registry:
        attributes = msgspec.convert(definition.example, definition.attributes)
        found.extend((definition, path) for path, _ in definition.urls(attributes))
    return found


FIELDS = url_fields()


def with_url(definition: ComponentDefinition, path: str, url: str) -> dict[str, Any]:
    """The definition's example component with the URL at `path` (under properties) replaced by `url`."""
    properties = copy.deepcopy(definition.example)
    *parents, last = path.replace("]", "").replace("[", ".").split(".")
    node: Any = properties
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = url
    return {"type": definition.name, "properties": properties}


def every_field_task(url: str) -> dict[str, Any]:
    """One component per URL attribute of the catalogue, each with `url` there."""
    return {"name": "Media", "components": [with_url(d, path, url) for d, path in FIELDS]}


EXPECTED_PATHS = [f"components[{i}].properties.{path}" for i, (_, path) in enumerate(FIELDS)]


def test_the_catalogue_s_url_attributes_are_found_from_the_types() -> None:
    names = {(d.name, path) for d, path in FIELDS}
    assert {("Image", "url"), ("Audio", "url"), ("Video", "url"), ("ImageMarker", "url"), ("ImageCrop", "url")} <= names
    assert {
        ("ImageRotation", "url"),
        ("BinaryImageChoice", "option1.url"),
        ("BinaryImageChoice", "option2.url"),
    } <= names
    # Every URL a component says it shows is one the policy sees.
    for definition in default_engine().registry:
        attributes = msgspec.convert(definition.example, definition.attributes)
        assert set(definition.media_urls(attributes)) <= {url for _, url in definition.urls(attributes)}


@pytest.mark.parametrize("url", REFUSED)
def test_every_spelling_is_refused_at_every_url_attribute(engine: Engine, url: str) -> None:
    checked = engine.validate_task(every_field_task(url), urls=UrlPolicy.allowing(OWN))
    assert [p.path for p in checked.problems] == EXPECTED_PATHS, checked.problems
    assert checked.value is None


@pytest.mark.parametrize("url", ALLOWED)
def test_public_urls_pass(engine: Engine, url: str) -> None:
    assert engine.validate_task(every_field_task(url), urls=UrlPolicy.allowing(OWN)).ok


def test_the_policy_explains_what_the_url_names(engine: Engine) -> None:
    policy = UrlPolicy.allowing(OWN)
    assert policy.problem("http://0x7f.1/") == "must name a public host; 0x7f.1 (127.0.0.1) is a loopback address"
    assert "credentials" in str(policy.problem("https://user:secret@example.com/"))
    assert "IPv4-mapped" in str(policy.problem("http://[::ffff:127.0.0.1]/"))
    assert "169.254.169.254 is a link-local address" in str(policy.problem("http://169.254.169.254/"))


def test_the_own_origin_is_allowed_and_only_it(engine: Engine) -> None:
    policy = UrlPolicy.allowing(OWN)
    for url in (
        f"{OWN}/media/a.jpg",
        "http://127.0.0.1:8000",
        "http://127.1:8000/media/a.jpg",
        "HTTP://127.0.0.1:8000/",
    ):
        assert policy.problem(url) is None, url
    for url in ("http://127.0.0.1:8001/media/a.jpg", "https://127.0.0.1:8000/", "http://localhost:8000/media/a.jpg"):
        assert policy.problem(url) is not None, url
    assert policy.problem(f"http://demo:secret@{OWN.removeprefix('http://')}/media/a.jpg") is not None
    public = UrlPolicy.allowing("https://tasks.example.com/engine")
    assert public.problem("https://tasks.example.com:443/media/a.jpg") is None


def test_allowing_private_hosts_still_refuses_credentials(engine: Engine) -> None:
    policy = UrlPolicy.allowing(OWN, allow_private=True)
    assert engine.validate_task(every_field_task("http://10.0.0.1/a.jpg"), urls=policy).ok
    assert engine.validate_task(every_field_task("http://localhost:9000/a.jpg"), urls=policy).ok
    for url in CREDENTIALS:
        assert [p.path for p in engine.validate_task(every_field_task(url), urls=policy).problems] == EXPECTED_PATHS


def test_url_problems_come_with_every_other_problem(engine: Engine) -> None:
    task = every_field_task("http://127.0.0.1/a.jpg")
    task["name"] = ""
    task["components"].append({"type": "Rating", "properties": {"steps": 0}})
    paths = {p.path for p in engine.validate_task(task, urls=UrlPolicy()).problems}
    assert paths == {"name", f"components[{len(FIELDS)}].properties.steps", *EXPECTED_PATHS}
    assert engine.validate_task_json(msgspec.json.encode(task), urls=UrlPolicy()).problems


def test_without_a_policy_only_the_form_is_checked(engine: Engine) -> None:
    """Definitions accepted earlier are read back without one (a submission re-reads its task)."""
    assert engine.validate_task(every_field_task("http://127.0.0.1/a.jpg")).ok


# -- over HTTP, on both databases --------------------------------------------------------------------------------


def test_every_spelling_is_refused_by_the_api(api: Client) -> None:
    headers = make_requester(api)
    placeholder = api.post("/tasks", json=every_field_task("https://example.com/a.jpg"), headers=headers)
    assert placeholder.status_code == 201, placeholder.text
    task_id = placeholder.json()["id"]
    for url in REFUSED:
        task = every_field_task(url)
        for response in (
            api.post("/tasks", json=task, headers=headers),
            api.put(f"/tasks/{task_id}", json=task, headers=headers),
            api.post("/components/validate-task", json=task),
        ):
            body = assert_error(response, 422, ErrorCode.INVALID_TASK)
            assert [p["path"] for p in body["problems"]] == EXPECTED_PATHS, (url, body)
            assert EXPECTED_PATHS[0] in body["description"]
        both = api.post("/components/validate-result", json={"task": task, "result": {"components": []}})
        paths = [p["path"] for p in assert_error(both, 422, ErrorCode.INVALID_TASK)["problems"]]
        assert paths == [f"task.{path}" for path in EXPECTED_PATHS], (url, paths)
    # Nothing was written: the one task there is the placeholder, unchanged.
    listed = api.get("/tasks", headers=headers).json()["tasks"]
    assert [t["id"] for t in listed] == [task_id]
    assert listed[0]["components"][0]["properties"]["url"] == "https://example.com/a.jpg"


def test_public_and_own_media_urls_are_accepted_by_the_api(api: Client) -> None:
    headers = make_requester(api)
    for url in [*ALLOWED, f"{OWN}/media/picture.jpg"]:
        response = api.post("/tasks", json=every_field_task(url), headers=headers)
        assert response.status_code == 201, (url, response.text)
        assert api.post("/components/validate-task", json=every_field_task(url)).status_code == 200


def test_the_settings_allow_private_hosts_and_name_the_own_origin(tmp_path: Path) -> None:
    url = sqlite_database(str(tmp_path))
    base = {"data_dir": tmp_path, "database_url": url, "rate_limits": False}
    own = load_settings({"TASKENGINE_PUBLIC_URL": "http://10.1.2.3:8080"}, **base)
    with TestClient(create_app(own, sweeper=False)) as client:
        assert client.post(
            "/components/validate-task", json=every_field_task("http://10.1.2.3:8080/m/a.jpg")
        ).is_success
        refused = client.post("/components/validate-task", json=every_field_task("http://10.1.2.3:8081/m/a.jpg"))
        assert_error(refused, 422, ErrorCode.INVALID_TASK)
    private = load_settings({"TASKENGINE_ALLOW_PRIVATE_MEDIA_URLS": "true"}, **base)
    with TestClient(create_app(private, sweeper=False)) as client:
        assert client.post("/components/validate-task", json=every_field_task("http://192.168.1.5/a.jpg")).is_success
        with_credentials = client.post("/components/validate-task", json=every_field_task(CREDENTIALS[1]))
        assert_error(with_credentials, 422, ErrorCode.INVALID_TASK)
