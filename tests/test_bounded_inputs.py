"""Amounts and durations cost the same whatever the client writes: no exponent or digit string makes work."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from taskengine.domain.campaigns import parse_duration
from taskengine.domain.money import MAX_AMOUNT_CHARS, MAX_MICROS, to_micros
from taskengine.errors import ErrorCode
from tests.requesters import make_requester
from tests.test_api_components import assert_error
from tests.test_worker_api import Client

FAST = 0.05  # seconds; each of these takes microseconds, "0e10000000" once took seconds


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    try:
        outcome: Any = work()
    except (ValueError, TypeError) as exc:
        outcome = exc
    return outcome, time.perf_counter() - started


@pytest.mark.parametrize(
    ("amount", "micros"),
    [
        ("0e10000000", 0),
        ("0e999999999999999999", 0),
        ("-0e999999999999999999", 0),
        ("0e-999999999999999999", 0),
        (Decimal("0e10000000"), 0),
        ("1" + "0" * 12 + "." + "0" * (MAX_AMOUNT_CHARS - 14), MAX_MICROS),  # exactly as long as allowed
        ("1e12", MAX_MICROS),
        ("0.000001e6", 1_000_000),
        ("123456.789e-3", 123_456_789),
        (Decimal("1." + "0" * 100_000), 1_000_000),  # a Decimal argument is not bounded by length, only cheap
        (10**12, MAX_MICROS),
    ],
)
def test_extreme_but_exact_amounts_convert_at_once(amount: Decimal | str | int, micros: int) -> None:
    outcome, took = timed(lambda: to_micros(amount))
    assert outcome == micros
    assert took < FAST


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("1." + "0" * 900_000, f"at most {MAX_AMOUNT_CHARS} characters"),
        ("9" * 900_000, f"at most {MAX_AMOUNT_CHARS} characters"),
        ("1" + "0" * 12 + "." + "0" * (MAX_AMOUNT_CHARS - 13), f"at most {MAX_AMOUNT_CHARS} characters"),
        ("1e999999999999999999", "exceed"),
        ("1e-999999999999999999", "6 decimal places"),
        ("1.0000001e-999999999", "6 decimal places"),
        (Decimal("0." + "0" * 100_000 + "1"), "6 decimal places"),
        (Decimal("9" * 100_000), "exceed"),
        pytest.param(10**100_000, "exceed", id="int of 100k digits"),
        pytest.param(-(10**100_000), "negative", id="negative int of 100k digits"),
    ],
)
def test_extreme_amounts_are_refused_at_once_in_short_words(amount: Decimal | str | int, problem: str) -> None:
    outcome, took = timed(lambda: to_micros(amount))
    assert isinstance(outcome, ValueError) and problem in str(outcome)
    assert len(str(outcome)) < 200  # the amount is quoted cut short, never a megabyte of it
    assert took < FAST


@pytest.mark.parametrize(
    "text", [" " * 900_000 + "1 min", "9" * 900_000 + " min", "1 " + "m" * 900_000, "1" + " " * 900_000 + "!"]
)
def test_long_durations_are_refused_unparsed(text: str) -> None:
    outcome, took = timed(lambda: parse_duration(text))
    assert isinstance(outcome, ValueError) and "at most 40 characters" in str(outcome)
    assert took < FAST


@pytest.mark.parametrize(
    ("fields", "path", "fragment"),
    [
        ({"workerPayment": "1." + "0" * 400_000}, "workerPayment", "at most 40"),
        ({"workerPayment": "1e-999999999999999999"}, "workerPayment", "6 decimal"),
        ({"workerPayment": "1e999999999999999999"}, "workerPayment", "exceed"),
        ({"maxWorkTime": "9" * 400_000 + " min"}, "maxWorkTime", "at most 40"),
        ({"estDuration": "1" + " " * 100 + "min"}, "estDuration", "at most 40"),
    ],
)
def test_campaign_amounts_and_durations_are_bounded(api: Client, fields: dict, path: str, fragment: str) -> None:
    requester = make_requester(api)
    started = time.perf_counter()
    response = api.post("/campaigns", json={"name": "C", **fields}, headers=requester)
    body = assert_error(response, 422, ErrorCode.INVALID_BODY)
    assert [p for p in body["problems"] if p["path"] == path and fragment in p["message"]], body["problems"]
    assert len(response.content) < 2_000
    assert time.perf_counter() - started < 1


def test_a_zero_with_any_exponent_is_zero(api: Client) -> None:
    requester = make_requester(api)
    response = api.post("/campaigns", json={"name": "C", "workerPayment": "0e999999999999999999"}, headers=requester)
    assert response.status_code == 201, response.text
    assert response.json()["workerPayment"] == 0
