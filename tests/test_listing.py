"""Lists (SWARMS "List all Tasks" / "List all Jobs"): limit, order, full-word search and paging by _links."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.requesters import make_requester, rating_task
from tests.test_api_components import assert_error

Client = TestClient  # type: ignore[type-arg]
CHOICES = "id, -id, name, -name, createdAt, -createdAt, lastModifiedAt, -lastModifiedAt"


def make_tasks(api: Client, headers: dict[str, str], names: list[str]) -> list[int]:
    ids = []
    for name in names:
        response = api.post("/tasks", json=rating_task(name), headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def make_jobs(api: Client, headers: dict[str, str], names: list[str], description: str = "") -> list[int]:
    ids = []
    for name in names:
        response = api.post("/jobs", json={"name": name, "description": description}, headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def listed(api: Client, headers: dict[str, str], url: str, key: str = "tasks") -> list[Any]:
    response = api.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()[key]  # type: ignore[no-any-return]


def ids_of(api: Client, headers: dict[str, str], url: str, key: str = "tasks") -> list[int]:
    return [item["id"] for item in listed(api, headers, url, key)]


def names_of(api: Client, headers: dict[str, str], url: str, key: str = "tasks") -> list[str]:
    return [item["name"] for item in listed(api, headers, url, key)]


def walk(api: Client, headers: dict[str, str], url: str, link: str, key: str = "tasks") -> list[list[int]]:
    """The ids of every page from `url` on, following `_links[link]` until there is none."""
    pages: list[list[int]] = []
    href: str | None = url
    while href is not None:
        assert len(pages) < 50, "paging does not end"
        response = api.get(href, headers=headers)
        assert response.status_code == 200, (href, response.text)
        body = response.json()
        pages.append([item["id"] for item in body[key]])
        href = body["_links"].get(link, {}).get("href")
    return pages


def cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# limit ---------------------------------------------------------------------------------------------------------------


def test_limit_defaults_to_10_and_ranges_from_1_to_100(api: Client) -> None:
    headers = make_requester(api)
    ids = make_tasks(api, headers, [f"Task {i}" for i in range(12)])
    assert ids_of(api, headers, "/tasks") == ids[:10]
    assert ids_of(api, headers, "/tasks?limit=1") == ids[:1]
    assert ids_of(api, headers, "/tasks?limit=11") == ids[:11]
    assert ids_of(api, headers, "/tasks?limit=100") == ids


@pytest.mark.parametrize("resource", ["tasks", "jobs"])
def test_limit_out_of_range_is_400_with_the_error_body(api: Client, resource: str) -> None:
    headers = make_requester(api)
    for limit in ("0", "101", "-1", "abc", "1.5"):
        body = assert_error(api.get(f"/{resource}?limit={limit}", headers=headers), 400, ErrorCode.INVALID_PARAMETER)
        assert "limit" in body["description"], (limit, body)


# order ---------------------------------------------------------------------------------------------------------------


def test_order_by_each_field_ascending_and_descending(api: Client) -> None:
    headers = make_requester(api)
    names = ["Delta", "Alpha", "Echo", "Charlie", "Bravo"]
    ids = make_tasks(api, headers, names)
    by_name = sorted(zip(names, ids, strict=True))
    # Changing "Echo" makes it the most recently modified, though it was created third.
    assert api.put(f"/tasks/{ids[2]}", json=rating_task("Echo"), headers=headers).status_code == 200
    modified = [ids[0], ids[1], ids[3], ids[4], ids[2]]

    assert ids_of(api, headers, "/tasks") == ids
    assert ids_of(api, headers, "/tasks?order=id") == ids
    assert ids_of(api, headers, "/tasks?order=-id") == ids[::-1]
    assert names_of(api, headers, "/tasks?order=name") == [n for n, _ in by_name]
    assert names_of(api, headers, "/tasks?order=-name") == [n for n, _ in by_name][::-1]
    assert ids_of(api, headers, "/tasks?order=createdAt") == ids
    assert ids_of(api, headers, "/tasks?order=-createdAt") == ids[::-1]
    assert ids_of(api, headers, "/tasks?order=lastModifiedAt") == modified
    assert ids_of(api, headers, "/tasks?order=-lastModifiedAt") == modified[::-1]


def test_several_order_keys_sort_by_the_first_then_the_next(api: Client) -> None:
    headers = make_requester(api)
    ids = make_tasks(api, headers, ["Same", "Other", "Same", "Other"])
    assert ids_of(api, headers, "/tasks?order=name&order=-id") == [ids[3], ids[1], ids[2], ids[0]]
    assert ids_of(api, headers, "/tasks?order=-name&order=id") == [ids[0], ids[2], ids[1], ids[3]]


@pytest.mark.parametrize("resource", ["tasks", "jobs"])
def test_an_unknown_order_key_is_400_naming_the_choices(api: Client, resource: str) -> None:
    headers = make_requester(api)
    for order in ("size", "-size", "ID", "created_at", "", "-"):
        body = assert_error(api.get(f"/{resource}?order={order}", headers=headers), 400, ErrorCode.INVALID_PARAMETER)
        assert CHOICES in body["description"], (order, body)
        assert [p["path"] for p in body["problems"]] == ["order"]


def test_a_doubled_minus_is_not_an_order_key(api: Client) -> None:
    headers = make_requester(api)
    assert_error(api.get("/tasks?order=--id", headers=headers), 400, ErrorCode.INVALID_PARAMETER)


# search --------------------------------------------------------------------------------------------------------------


def test_search_matches_full_words_only_without_regard_to_case(api: Client) -> None:
    headers = make_requester(api)
    lamps, lights, _ = make_tasks(api, headers, ["Street lamps", "Street lights at night", "Lampshade"])
    assert ids_of(api, headers, "/tasks?search=street") == [lamps, lights]
    assert ids_of(api, headers, "/tasks?search=LAMPS") == [lamps]
    assert ids_of(api, headers, "/tasks?search=Street%20Lamps") == [lamps]
    assert ids_of(api, headers, "/tasks?search=lamps%20street") == [lamps]
    assert ids_of(api, headers, "/tasks?search=lamp") == []
    assert ids_of(api, headers, "/tasks?search=stree") == []
    assert ids_of(api, headers, "/tasks?search=treet") == []
    assert ids_of(api, headers, "/tasks?search=street%20lamps%20night") == []  # every word must match
    assert ids_of(api, headers, "/tasks?search=night%20street") == [lights]


def test_search_handles_words_beyond_ascii(api: Client) -> None:
    headers = make_requester(api)
    cafe, _ = make_tasks(api, headers, ["Café crème au lait", "Cafeteria"])
    assert ids_of(api, headers, "/tasks?search=caf%C3%A9") == [cafe]
    assert ids_of(api, headers, "/tasks?search=CAF%C3%89%20CR%C3%88ME") == [cafe]
    assert ids_of(api, headers, "/tasks?search=cafe") == []


def test_underscore_and_percent_in_search_are_not_wildcards(api: Client) -> None:
    headers = make_requester(api)
    snake, percent, _ = make_tasks(api, headers, ["snake_case names", "100% done", "snakeXcase names"])
    assert ids_of(api, headers, "/tasks?search=snake_case") == [snake]
    assert ids_of(api, headers, "/tasks?search=snake_cas") == []
    assert ids_of(api, headers, "/tasks?search=s_ake_case") == []
    assert ids_of(api, headers, "/tasks?search=snake%25") == []
    assert ids_of(api, headers, "/tasks?search=sn%25e_case") == []
    assert ids_of(api, headers, "/tasks?search=_") == []
    assert ids_of(api, headers, "/tasks?search=__") == []
    assert ids_of(api, headers, "/tasks?search=100%25") == [percent]
    assert ids_of(api, headers, "/tasks?search=10%25") == []


def test_search_of_jobs_covers_name_and_description(api: Client) -> None:
    headers = make_requester(api)
    lamps = make_jobs(api, headers, ["Street lamps"])[0]
    described = make_jobs(api, headers, ["Survey"], description="Count the street lamps of the city")[0]
    make_jobs(api, headers, ["Lampposts"])
    assert ids_of(api, headers, "/jobs?search=lamps", "jobs") == [lamps, described]
    assert ids_of(api, headers, "/jobs?search=CITY%20lamps", "jobs") == [described]
    assert ids_of(api, headers, "/jobs?search=lamp", "jobs") == []


def test_too_many_search_words_is_400(api: Client) -> None:
    headers = make_requester(api)
    words = "%20".join(f"w{i}" for i in range(11))
    assert_error(api.get(f"/tasks?search={words}", headers=headers), 400, ErrorCode.INVALID_PARAMETER)
    assert_error(api.get(f"/tasks?search={'x' * 201}", headers=headers), 400, ErrorCode.INVALID_PARAMETER)


# paging --------------------------------------------------------------------------------------------------------------


def test_paging_by_links_visits_every_task_once_in_order_and_back(api: Client) -> None:
    headers = make_requester(api)
    ids = make_tasks(api, headers, [f"Task {i:02d}" for i in range(25)])

    first = api.get("/tasks", headers=headers).json()
    assert "previous" not in first["_links"] and "next" in first["_links"]
    assert first["_links"]["self"] == {"href": "/tasks"}

    forward = walk(api, headers, "/tasks", "next")
    assert forward == [ids[:10], ids[10:20], ids[20:]]

    last_href = "/tasks"
    for _ in range(2):
        last_href = api.get(last_href, headers=headers).json()["_links"]["next"]["href"]
    last = api.get(last_href, headers=headers).json()
    assert "next" not in last["_links"] and "previous" in last["_links"]

    backward = walk(api, headers, last_href, "previous")
    assert backward == [ids[20:], ids[10:20], ids[:10]]


def test_paging_keeps_limit_and_other_parameters(api: Client) -> None:
    headers = make_requester(api)
    ids = make_tasks(api, headers, [f"Task {i:02d}" for i in range(25)])
    pages = walk(api, headers, "/tasks?limit=7&order=-id", "next")
    assert pages == [ids[::-1][i : i + 7] for i in range(0, 25, 7)]
    assert [i for page in pages for i in page] == ids[::-1]
    body = api.get("/tasks?limit=7&order=-id", headers=headers).json()
    href = body["_links"]["next"]["href"]
    assert href.startswith("/tasks?") and "limit=7" in href and "order=-id" in href and "after=" in href


def test_paging_an_exact_multiple_of_the_limit_ends_without_an_empty_page(api: Client) -> None:
    headers = make_requester(api)
    ids = make_tasks(api, headers, [f"Task {i:02d}" for i in range(20)])
    assert walk(api, headers, "/tasks", "next") == [ids[:10], ids[10:]]


@pytest.mark.parametrize("order", ["createdAt", "-createdAt", "lastModifiedAt", "-lastModifiedAt", "-id"])
def test_paging_works_with_every_time_and_id_order(api: Client, order: str) -> None:
    headers = make_requester(api)
    ids = make_tasks(api, headers, [f"Task {i:02d}" for i in range(12)])
    expected = ids[::-1] if order.startswith("-") else ids
    pages = walk(api, headers, f"/tasks?limit=5&order={order}", "next")
    assert [i for page in pages for i in page] == expected
    last = api.get(f"/tasks?limit=5&order={order}", headers=headers).json()["_links"]["next"]["href"]
    last = api.get(last, headers=headers).json()["_links"]["next"]["href"]
    back = walk(api, headers, last, "previous")
    assert [i for page in reversed(back) for i in page] == expected


def test_paging_works_with_order_by_name_descending(api: Client) -> None:
    headers = make_requester(api)
    ids = make_tasks(api, headers, [f"Task {i:02d}" for i in range(25)])
    pages = walk(api, headers, "/tasks?order=-name", "next")
    assert pages == [ids[::-1][:10], ids[::-1][10:20], ids[::-1][20:]]


def test_paging_works_with_search(api: Client) -> None:
    headers = make_requester(api)
    names = [f"{'red' if i % 2 else 'blue'} task {i:02d}" for i in range(25)]
    ids = make_tasks(api, headers, names)
    red = [task_id for task_id, name in zip(ids, names, strict=True) if name.startswith("red")]
    pages = walk(api, headers, "/tasks?search=red&limit=5", "next")
    assert pages == [red[:5], red[5:10], red[10:]]
    href = api.get("/tasks?search=red&limit=5", headers=headers).json()["_links"]["next"]["href"]
    assert "search=red" in href


def test_paging_jobs(api: Client) -> None:
    headers = make_requester(api)
    ids = make_jobs(api, headers, [f"Job {i:02d}" for i in range(12)])
    assert walk(api, headers, "/jobs?limit=5", "next", "jobs") == [ids[:5], ids[5:10], ids[10:]]
    assert ids_of(api, headers, "/jobs?order=-id&limit=3", "jobs") == ids[::-1][:3]


@pytest.mark.parametrize("parameter", ["after", "before"])
def test_a_garbage_cursor_is_400(api: Client, parameter: str) -> None:
    headers = make_requester(api)
    make_tasks(api, headers, ["One", "Two"])
    garbage = ["garbage", "!!!", "%00", cursor([]), cursor(["abc"]), cursor([None]), cursor([1, 2]), cursor({"id": 1})]
    for value in garbage:
        body = assert_error(api.get(f"/tasks?{parameter}={value}", headers=headers), 400, ErrorCode.INVALID_PARAMETER)
        assert parameter in body["description"], (value, body)
    assert_error(api.get(f"/tasks?{parameter}={'x' * 501}", headers=headers), 400, ErrorCode.INVALID_PARAMETER)
    assert_error(
        api.get(f"/jobs?order=createdAt&{parameter}={cursor(['not a time', 1])}", headers=headers),
        400,
        ErrorCode.INVALID_PARAMETER,
    )


def test_after_and_before_together_is_400(api: Client) -> None:
    headers = make_requester(api)
    assert_error(
        api.get(f"/tasks?after={cursor([1])}&before={cursor([2])}", headers=headers), 400, ErrorCode.INVALID_PARAMETER
    )


def test_a_cursor_with_an_out_of_range_id_is_not_a_500(api: Client) -> None:
    headers = make_requester(api)
    make_tasks(api, headers, ["One"])
    for value in (2**40, 10**20):  # PostgreSQL fails on both (int4 column), SQLite on the second (beyond 64 bits)
        response = api.get(f"/tasks?after={cursor([value])}", headers=headers)
        assert response.status_code in (200, 400), (value, response.text)


def test_a_cursor_with_an_offset_time_is_not_a_500(api: Client, request: pytest.FixtureRequest) -> None:
    headers = make_requester(api)
    make_tasks(api, headers, ["One"])
    response = api.get(f"/tasks?order=createdAt&after={cursor(['2020-01-01T00:00:00+05:00', 1])}", headers=headers)
    assert response.status_code in (200, 400), response.text
