"""Numbers at the edges of float and integer range in every numeric attribute and result field of the catalogue, and
in JSON bodies: the engine answers with problems, never an exception, and nothing costs more than a glance.

The Stepper is where arithmetic on user numbers could overflow ((max - min) / step with a step of 5e-324 is
infinite), so its grid is bounded as a rule: at most MAX_STEPS steps, said at `step`.
"""

from __future__ import annotations

import math
import time
import types
import typing
from typing import Any, get_args, get_origin

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from taskengine.components.stepper import MAX_STEPS

from taskengine.engine import ComponentDefinition, Engine
from taskengine.errors import ErrorCode
from tests.factories import all_definitions, one_component_task
from tests.requesters import make_requester
from tests.test_api_components import assert_error
from tests.test_worker_api import Client

EXTREMES: list[Any] = [
    0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-300,
    1e308,
    -1e308,
    1.7976931348623157e308,
    2**53 + 1,
    2**63 - 1,
    -(2**63),
    0.1,
    1 / 3,
]


def _numeric(tp: Any) -> bool:
    """Whether a field type takes numbers (through Annotated and Optional)."""
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (typing.Union, types.UnionType):
        return any(_numeric(a) for a in get_args(tp))
    return tp in (int, float)


def numeric_fields(struct: type[msgspec.Struct] | None) -> list[str]:
    if struct is None:
        return []
    return [f.encode_name for f in msgspec.structs.fields(struct) if _numeric(f.type)]


def _numeric_definitions() -> list[ComponentDefinition]:
    return [d for d in all_definitions() if numeric_fields(d.attributes) or numeric_fields(d.result)]


def test_some_components_have_numbers() -> None:
    names = {d.name for d in _numeric_definitions()}
    assert {"Stepper", "Rating", "ImageCrop", "AudioRecording", "VideoRecording"} <= names, names


@pytest.mark.parametrize("definition", _numeric_definitions(), ids=lambda d: d.name)
def test_extreme_numbers_in_every_numeric_field_give_problems_not_exceptions(
    engine: Engine, definition: ComponentDefinition
) -> None:
    for field in numeric_fields(definition.attributes):
        for value in EXTREMES:
            properties = {**definition.example, field: value}
            checked = engine.validate_task(one_component_task(definition, properties))
            if checked.ok:
                _results_never_raise(engine, definition, checked.value)
            else:
                assert all(p.path.startswith("components[0]") for p in checked.problems), checked.problems
    task = engine.validate_task(one_component_task(definition)).value
    _results_never_raise(engine, definition, task)


def _results_never_raise(engine: Engine, definition: ComponentDefinition, task: Any) -> None:
    if definition.example_result is None:
        return
    compiled = engine.compile(task)
    for field in numeric_fields(definition.result):
        for value in EXTREMES:
            answer = {**definition.example_result, field: value}
            engine.validate_result(compiled, {"components": [answer]})
            engine.validate_result_json(compiled, msgspec.json.encode({"components": [answer]}))


# ---------------------------------------------------------------- the Stepper's grid


def _stepper(engine: Engine, **properties: Any) -> Any:
    return engine.validate_task({"name": "S", "components": [{"type": "Stepper", "properties": properties}]})


@pytest.mark.parametrize(
    ("low", "high", "step"),
    [
        (0, 1, 5e-324),
        (-1e9, 1e9, 5e-324),
        (-1e9, 1e9, 1e-300),
        (-1e9, 1e9, 1e-3),
        (0, 10, 1e-6),
        (0, MAX_STEPS + 1, 1),
        (0, 1, 1 / (MAX_STEPS + 1)),
    ],
)
def test_a_grid_finer_than_max_steps_is_refused_at_step(engine: Engine, low: float, high: float, step: float) -> None:
    for start in (None, low, (low + high) / 2):
        checked = _stepper(engine, min=low, max=high, step=step, start=start)
        assert [p.path for p in checked.problems] == ["components[0].properties.step"], checked.problems
        assert f"at most {MAX_STEPS:,} steps" in checked.problems[0].message


@pytest.mark.parametrize(("low", "high", "step"), [(0, MAX_STEPS, 1), (-1e9, 1e9, 2000), (0, 1, 1 / MAX_STEPS)])
def test_a_grid_of_max_steps_is_accepted_and_answers_check(
    engine: Engine, low: float, high: float, step: float
) -> None:
    checked = _stepper(engine, min=low, max=high, step=step, start=high)
    assert checked.ok, checked.problems
    compiled = engine.compile(checked.value)
    for value, ok in ((low, True), (high, True), (low + step, True), (low + step / 2, False), (high + step, False)):
        assert engine.validate_result(compiled, {"components": [{"result": value}]}).ok is ok, value


finite = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)


@given(low=finite, high=finite, step=finite, start=st.none() | finite, answer=finite)
def test_no_stepper_numbers_raise(
    engine: Engine, low: float, high: float, step: float, start: Any, answer: float
) -> None:
    checked = _stepper(engine, min=low, max=high, step=step, start=start)
    if checked.ok:
        compiled = engine.compile(checked.value)
        outcome = engine.validate_result(compiled, {"components": [{"result": answer}]})
        if outcome.ok:
            assert low <= answer <= high
            assert math.isfinite((answer - low) / step)


# ---------------------------------------------------------------- through the API, on both databases


def test_the_grid_rule_holds_through_the_api(api: Client) -> None:
    headers = make_requester(api)
    fine = {"name": "S", "components": [{"type": "Stepper", "properties": {"min": 0, "max": 1, "step": 5e-324}}]}
    error = assert_error(api.post("/tasks", json=fine, headers=headers), 422, ErrorCode.INVALID_TASK)
    assert [p["path"] for p in error["problems"]] == ["components[0].properties.step"]
    body = {"task": fine, "result": {"components": [{"result": 0.5}]}}
    assert_error(api.post("/components/validate-result", json=body), 422, ErrorCode.INVALID_TASK)
    widest = {"name": "S", "components": [{"type": "Stepper", "properties": {"min": 0, "max": MAX_STEPS}}]}
    assert api.post("/tasks", json=widest, headers=headers).status_code == 201
    assert api.get("/tasks", headers=headers).json()["tasks"][0]["name"] == "S"


HUGE_NUMBERS = [
    ("an integer of 100,000 digits", "1" + "0" * 100_000, "64 bits"),
    ("a negative integer of 100,000 digits", "-1" + "0" * 100_000, "64 bits"),
    ("an integer just beyond 64 bits", str(2**64), "64 bits"),
    ("an exponent of 100,000 digits", "1e" + "9" * 100_000, "out of range"),
    ("a float beyond double range", "1e309", "out of range"),
]


@pytest.mark.parametrize(("label", "number", "fragment"), HUGE_NUMBERS, ids=[h[0] for h in HUGE_NUMBERS])
def test_huge_numbers_in_bodies_are_refused_at_once(api: Client, label: str, number: str, fragment: str) -> None:
    headers = make_requester(api)
    stepper = '{"type": "Stepper", "properties": {"min": 0, "max": NUMBER}}'
    for method, path, template in (
        ("POST", "/tasks", '{"name": "T", "components": [STEPPER]}'.replace("STEPPER", stepper)),
        ("POST", "/components/validate-task", '{"name": "T", "components": [STEPPER]}'.replace("STEPPER", stepper)),
        ("POST", "/campaigns", '{"name": "C", "results": NUMBER}'),
        ("POST", "/worker-groups", '{"name": NUMBER}'),
    ):
        began = time.perf_counter()
        body = template.replace("NUMBER", number).encode()
        response = api.request(method, path, content=body, headers={**headers, "Content-Type": "application/json"})
        assert time.perf_counter() - began < 1, (label, path)
        error = assert_error(response, 400, ErrorCode.INVALID_JSON)
        assert fragment in error["description"], (label, path, error)
    assert api.get("/tasks", headers=headers).json()["tasks"] == []


def test_long_decimals_that_fit_are_plain_numbers(api: Client) -> None:
    """Many digits are not a problem in themselves: 0.000...1 is a small float, 1.111... a float near 1."""
    template = '{"name": "T", "components": [{"type": "Stepper", "properties": {"min": NUMBER, "max": 10}}]}'
    for number in ("0." + "0" * 50_000 + "1", "1." + "1" * 50_000, "1" + "0" * 10_000 + "e-10000"):
        body = template.replace("NUMBER", number).encode()
        response = api.post("/components/validate-task", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 200, (number[:20], response.text[:200])
