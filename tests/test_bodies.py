"""Request bodies: Content-Encoding (gzip and deflate decoded, bounded; others refused) and Content-Type (JSON or
nothing), over every route that reads a body."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import zlib
from typing import Any

import pytest
from litestar.testing import TestClient

from taskengine.api import encoding
from taskengine.api.body import PARSE_IN_THREAD_ABOVE
from taskengine.api.encoding import SUPPORTED_ENCODINGS
from taskengine.errors import DomainError, ErrorCode
from tests.requesters import make_requester, rating_task
from tests.test_api_components import assert_error
from tests.test_results import answers, started
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]
JSON = {"Content-Type": "application/json"}
TASK = json.dumps(rating_task()).encode()
LIMIT = 256 * 1024  # the `client` fixture's TASKENGINE_MAX_BODY_BYTES


def deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def gzip_bomb(decoded_mb: int) -> bytes:
    """gzip members one after another (valid gzip) inflating to `decoded_mb` MiB of zeros, at ~1 KiB a MiB."""
    return gzip.compress(bytes(1 << 20)) * decoded_mb


ENCODED = {
    "gzip": gzip.compress(TASK),
    "x-gzip": gzip.compress(TASK),
    "GZip": gzip.compress(TASK),
    "deflate": zlib.compress(TASK),  # zlib-wrapped, as RFC 9110 means it
    "deflate ": deflate_raw(TASK),  # raw deflate, as some clients send it (key kept distinct by the space)
    "identity": TASK,
    "gzip, identity": gzip.compress(TASK),
    "gzip, gzip": gzip.compress(gzip.compress(TASK)),
    "deflate, gzip": gzip.compress(zlib.compress(TASK)),
    "gzip,deflate,gzip": gzip.compress(zlib.compress(gzip.compress(TASK))),
}


@pytest.mark.parametrize("coding", list(ENCODED))
def test_gzip_and_deflate_bodies_are_decoded(client: Client, coding: str) -> None:
    plain = client.post("/components/validate-task", content=TASK, headers=JSON)
    response = client.post(
        "/components/validate-task", content=ENCODED[coding], headers={**JSON, "Content-Encoding": coding.strip()}
    )
    assert response.status_code == 200, response.text
    assert response.json() == plain.json()


def test_a_gzip_body_in_several_members_and_chunks_is_decoded(client: Client) -> None:
    halves = gzip.compress(TASK[:20]) + gzip.compress(TASK[20:])
    chunks = (halves[i : i + 7] for i in range(0, len(halves), 7))  # sent in 7-byte pieces
    response = client.post("/components/validate-task", content=chunks, headers={**JSON, "Content-Encoding": "gzip"})
    assert response.status_code == 200, response.text


def test_compressed_creates_and_submissions_equal_plain_ones(api: Client) -> None:
    """Decoding happens below every route: a retried submission sent compressed is the same submission."""
    requester = make_requester(api, credit="20")
    created = api.post("/tasks", content=gzip.compress(TASK), headers={**requester, **JSON, "Content-Encoding": "gzip"})
    assert created.status_code == 201, created.text
    assert (
        created.json()["components"] == api.post("/tasks", json=rating_task(), headers=requester).json()["components"]
    )

    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    path = f"/worker/assignments/{sequence['assignment']['id']}/result"
    body = json.dumps(answers(sequence)).encode()
    first = api.post(path, content=gzip.compress(body), headers={**worker, **JSON, "Content-Encoding": "gzip"})
    assert first.status_code == 201, first.text
    again = api.post(path, content=body, headers={**worker, **JSON})
    assert again.status_code == 200 and again.json() == first.json()  # the same submission, not a conflict


@pytest.mark.parametrize(
    ("coding", "named"),
    [
        ("br", "'br'"),
        ("zstd", "'zstd'"),
        ("compress", "'compress'"),
        ("gzip, br", "'br'"),
        ("x-" + "y" * 500, "'x-yyy"),
        ("gzip, gzip, gzip, gzip", "4 content codings"),
    ],
)
def test_an_unsupported_encoding_is_415_naming_it(client: Client, coding: str, named: str) -> None:
    response = client.post("/components/validate-task", content=TASK, headers={**JSON, "Content-Encoding": coding})
    body = assert_error(response, 415, ErrorCode.UNSUPPORTED_ENCODING)
    assert named in body["description"] and len(body["description"]) < 200
    assert response.headers["Accept-Encoding"] == SUPPORTED_ENCODINGS


def _corrupt_crc(data: bytes) -> bytes:
    return data[:-8] + bytes(b ^ 0xFF for b in data[-8:-4]) + data[-4:]


@pytest.mark.parametrize(
    ("coding", "body", "fragment"),
    [
        ("gzip", gzip.compress(TASK)[:-9], "the gzip body is truncated"),
        ("gzip", b"plain text, not gzip", "the gzip body is corrupt: incorrect header check"),
        ("gzip", _corrupt_crc(gzip.compress(TASK)), "the gzip body is corrupt: incorrect data check"),
        ("gzip", gzip.compress(TASK) + b"garbage", "the gzip body has data after its end"),
        ("deflate", zlib.compress(TASK)[:10], "the deflate body is truncated"),
        ("deflate", zlib.compress(TASK) + b"x", "the deflate body has data after its end"),
        ("deflate", b"x", "the deflate body is truncated"),
        ("gzip, gzip", gzip.compress(TASK), "the gzip body is corrupt"),
    ],
)
def test_a_corrupt_body_is_400_naming_the_problem(client: Client, coding: str, body: bytes, fragment: str) -> None:
    response = client.post("/components/validate-task", content=body, headers={**JSON, "Content-Encoding": coding})
    assert fragment in assert_error(response, 400, ErrorCode.BAD_REQUEST)["description"]


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip_bomb(200)),  # 200 KiB on the wire, 200 MiB inflated
        ("gzip, gzip", gzip.compress(gzip_bomb(1024))),  # a few KiB on the wire, 1 GiB inflated
        ("deflate", zlib.compress(bytes(64 << 20), 9)),
    ],
)
def test_a_bomb_is_413_once_decoded_past_the_limit(client: Client, coding: str, body: bytes) -> None:
    assert len(body) < LIMIT
    response = client.post("/components/validate-task", content=body, headers={**JSON, "Content-Encoding": coding})
    assert "once decompressed" in assert_error(response, 413, ErrorCode.BODY_TOO_LARGE)["description"]


def test_a_compressed_body_over_the_limit_as_sent_is_413(client: Client) -> None:
    body = gzip.compress(os.urandom(LIMIT + 1))  # random bytes do not compress
    response = client.post("/components/validate-task", content=body, headers={**JSON, "Content-Encoding": "gzip"})
    assert "as sent" in assert_error(response, 413, ErrorCode.BODY_TOO_LARGE)["description"]


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_a_bomb_inflates_at_most_one_piece_past_the_limit(layers: int) -> None:
    """The decoding receive itself: how much it hands out before refusing, whatever the nesting."""
    body = gzip_bomb(1024)
    for _ in range(layers - 1):
        body = gzip.compress(body)
    chunks = [body[i : i + 16_384] for i in range(0, len(body), 16_384)]

    async def receive() -> Any:
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    decoding = encoding._DecodingReceive(receive, ", ".join(["gzip"] * layers), 1 << 20, None)
    handed_out = 0

    async def read_all() -> None:
        nonlocal handed_out
        while True:
            message = await decoding()
            handed_out += len(message["body"])
            assert message["more_body"], "a 1 GiB bomb cannot end within the limit"

    with pytest.raises(DomainError) as refused:
        asyncio.run(read_all())
    assert refused.value.code is ErrorCode.BODY_TOO_LARGE
    assert handed_out <= 1 << 20 and decoding._decoded <= (1 << 20) + encoding._PIECE


def test_an_empty_compressed_body_is_an_empty_body(api: Client) -> None:
    requester = make_requester(api)
    headers = {**requester, **JSON, "Content-Encoding": "gzip"}
    response = api.post("/tasks", content=b"", headers=headers)
    assert "empty" in assert_error(response, 400, ErrorCode.INVALID_JSON)["description"]
    # A route that reads no body is not refused for the header.
    assert api.get("/tasks", headers=headers).status_code == 200


# --- Content-Type ----------------------------------------------------------------------------------------------

# Routes that take no body (what is sent is ignored); every other POST or PUT reads a JSON body.
NO_BODY = {
    "/auth/token/discard",
    "/worker/auth/token/discard",
    "/tasks/{task_id:int}/archive",
    "/tasks/{task_id:int}/unarchive",
    "/tasks/{task_id:int}/copy",
    "/jobs/{job_id:int}/archive",
    "/jobs/{job_id:int}/unarchive",
    "/jobs/{job_id:int}/copy",
    "/campaigns/{campaign_id:int}/archive",
    "/campaigns/{campaign_id:int}/unarchive",
    "/campaigns/{campaign_id:int}/copy",
    "/campaigns/{campaign_id:int}/publish",
    "/campaigns/{campaign_id:int}/pause",
    "/campaigns/{campaign_id:int}/continue",
    "/campaigns/{campaign_id:int}/cancel",
    "/worker/campaigns/{campaign_id:int}/jobs/{job_id:int}/start",
    "/worker/assignments/{assignment_id:int}/return",
}


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "no Content-Type"),
        ({"Content-Type": "text/plain"}, "not 'text/plain'"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "not 'application/x-www-form-urlencoded'"),
        ({"Content-Type": "multipart/form-data; boundary=x"}, "not 'multipart/form-data'"),
        ({"Content-Type": "application/json; charset=latin-1"}, "UTF-8"),
    ],
)
def test_every_route_reading_a_body_wants_json(api: Client, headers: dict[str, str], fragment: str) -> None:
    requester = make_requester(api)
    _, worker = make_worker(api)
    readers = 0
    for route in sorted(api.app.routes, key=lambda r: "discard" in r.path):  # a discarded token signs out: last
        path = re.sub(r"\{\w+:int\}", "1", route.path)
        for method in sorted(route.methods & {"POST", "PUT", "PATCH"}):
            token = worker if route.path.startswith("/worker/") else requester
            response = api.request(method, path, content=b'{"name": "x"}', headers={**token, **headers})
            if route.path in NO_BODY:
                assert response.status_code != 415, (method, route.path)
                continue
            readers += 1
            body = assert_error(response, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE)
            assert fragment in body["description"], (method, route.path, body)
    assert readers >= 20


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        'application/JSON; charset="UTF-8"',
        "application/hal+json",
        "text/json",
        "application/vnd.example+json",
    ],
)
def test_json_content_types_are_accepted(client: Client, content_type: str) -> None:
    response = client.post("/components/validate-task", content=TASK, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text


def test_an_empty_body_needs_no_content_type(api: Client) -> None:
    requester = make_requester(api)
    # Empty is reported as empty, header or not; and a route whose body is optional takes none without a header.
    assert "empty" in assert_error(api.post("/tasks", headers=requester), 400, ErrorCode.INVALID_JSON)["description"]
    assert_error(api.post("/results/1/approve", headers=requester), 404, ErrorCode.NOT_FOUND)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"[" + b"1," * PARSE_IN_THREAD_ABOVE + b"18446744073709551616]", "64 bits"),
        (b'["' + b"a" * PARSE_IN_THREAD_ABOVE + b'\\u0000"]', "NUL"),
        (b" " * PARSE_IN_THREAD_ABOVE + b"[" * 1000 + b"]" * 1000, "nested too deeply"),
        (b'{"name": "' + b"a" * PARSE_IN_THREAD_ABOVE + b'"', "not valid JSON"),
    ],
)
def test_large_bodies_parsed_in_a_thread_are_refused_alike(client: Client, body: bytes, fragment: str) -> None:
    assert len(body) > PARSE_IN_THREAD_ABOVE
    response = client.post("/components/validate-task", content=body, headers=JSON)
    assert fragment in assert_error(response, 400, ErrorCode.INVALID_JSON)["description"]
