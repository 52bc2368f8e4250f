"""Property-based: whatever JSON arrives as a task or a result, the engine accepts it or lists problems."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from taskengine.engine import Checked, Problem, default_engine

ENGINE = default_engine()
NAMES = ENGINE.registry.names

# Text as it can arrive through parse_json: JSON has no lone surrogates, and NUL is refused before the engine.
chars = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])
text = st.text(chars)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(chars, max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
# Keys the engine knows, so generated objects reach deeper checks than "unknown field".
known_keys = st.sampled_from(
    ["type", "properties", "sticky", "optionalResult", "url", "steps", "min", "max", "step", "start", "options",
     "option1", "option2", "text", "label", "rating", "result", "selectedOption", "tags", "x", "width"]
)  # fmt: skip
near_miss = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(known_keys, children, max_size=6),
    max_leaves=25,
)
components = st.fixed_dictionaries(
    {"type": st.sampled_from(NAMES)},
    optional={"properties": near_miss, "sticky": near_miss, "optionalResult": st.booleans()},
)
tasks = st.fixed_dictionaries(
    {"name": st.text(chars, max_size=5)},
    optional={"components": st.lists(components, max_size=4)},
)

EXAMPLE_TASK = ENGINE.validate_task(
    {"name": "all", "components": [{"type": d.name, "properties": d.example} for d in ENGINE.registry]}
).value
answers = st.lists(near_miss, min_size=len(NAMES) - 1, max_size=len(NAMES) + 1)


def assert_well_formed(checked: Checked[object]) -> None:
    assert isinstance(checked, Checked)
    if checked.value is None:
        assert checked.problems and all(isinstance(p, Problem) and p.message for p in checked.problems)
    else:
        assert checked.problems == []


@given(json_values)
def test_arbitrary_json_as_a_task(value: object) -> None:
    assert_well_formed(ENGINE.validate_task(value))


@given(tasks)
def test_near_miss_tasks(value: object) -> None:
    checked = ENGINE.validate_task(value)
    assert_well_formed(checked)
    # Whatever the object path says, the bytes path says the same.
    assert ENGINE.validate_task_json(msgspec.json.encode(value)).problems == checked.problems


@given(st.binary(max_size=200))
def test_arbitrary_bytes_as_a_task(data: bytes) -> None:
    assert_well_formed(ENGINE.validate_task_json(data))


@given(json_values)
def test_arbitrary_json_as_a_result(value: object) -> None:
    assert_well_formed(ENGINE.validate_result(EXAMPLE_TASK, value))


@given(answers)
def test_near_miss_results(value: list[object]) -> None:
    body = {"components": value}
    checked = ENGINE.validate_result(EXAMPLE_TASK, body)
    assert_well_formed(checked)
    assert ENGINE.validate_result_json(EXAMPLE_TASK, msgspec.json.encode(body)).problems == checked.problems
