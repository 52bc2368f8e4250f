"""Stepper: pick a number from a range by tapping up and down arrows."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, Narrowing, Problem, Result, Rule

MAX_STEPS = 1_000_000
"""The most steps a range may hold, (max - min) / step: more no one taps through, and a step so small that the
count leaves float range (5e-324 over any range makes it infinite) would break the grid arithmetic."""


class StepperAttributes(Attributes, frozen=True):
    min: Annotated[float, Meta(ge=-1e9, le=1e9, description="lowest value of the range")]
    max: Annotated[float, Meta(ge=-1e9, le=1e9, description="highest value of the range")]
    step: Annotated[float, Meta(gt=0, le=1e9, description="change per tap (default 1)")] = 1
    start: Annotated[float | None, Meta(description="value shown first (default: min)")] = None


class StepperResult(Result, frozen=True):
    # An int or a float, kept as sent: `3` comes back as `3`, `3.0` as `3.0`, `2.5` as `2.5`.
    result: Annotated[
        Annotated[int, Meta(ge=-(10**9), le=10**9)] | Annotated[float, Meta(ge=-1e9, le=1e9)],
        Meta(description="the selected number, returned as sent (3 stays 3, 3.0 stays 3.0)"),
    ]


def on_grid(value: float, origin: float, step: float) -> bool:
    """Whether `value` is `origin` plus a whole number of `step`s, allowing for float rounding.

    Never raises: a count beyond float range (which the grid-size rule keeps out of stored tasks) is off the grid.
    """
    steps = (value - origin) / step
    if not math.isfinite(steps):
        return False
    return abs(steps - round(steps)) <= 1e-9 * max(1.0, abs(steps))


def _step_count(attrs: StepperAttributes) -> float:
    return (attrs.max - attrs.min) / attrs.step


def _fine_grid(attrs: StepperAttributes) -> bool:
    """Whether the range holds more than MAX_STEPS steps (min below max; the count may be infinite)."""
    return not _step_count(attrs) <= MAX_STEPS


def _range(attrs: StepperAttributes) -> Iterator[Problem]:
    if attrs.min >= attrs.max:
        yield Problem("max", f"must be greater than min ({attrs.min:g})", "min-below-max")
    elif attrs.step > attrs.max - attrs.min:
        yield Problem("step", f"must be at most max - min ({attrs.max - attrs.min:g})", "min-below-max")


def _grid_size(attrs: StepperAttributes) -> Iterator[Problem]:
    if attrs.min < attrs.max and _fine_grid(attrs):
        smallest = (attrs.max - attrs.min) / MAX_STEPS
        yield Problem(
            "step",
            f"must be at least {smallest:g}: the range from min to max may hold at most {MAX_STEPS:,} steps, "
            f"this step makes {_step_count(attrs):.3g}",
            "grid-not-too-fine",
        )


def _start(attrs: StepperAttributes) -> Iterator[Problem]:
    # A range that breaks another rule is reported there; its grid is not worth checking against.
    if attrs.start is None or attrs.min >= attrs.max or _fine_grid(attrs):
        return
    if not attrs.min <= attrs.start <= attrs.max:
        yield Problem(
            "start", f"must lie between min ({attrs.min:g}) and max ({attrs.max:g})", "start-in-range-on-grid"
        )
    elif not on_grid(attrs.start, attrs.min, attrs.step):
        yield Problem(
            "start",
            f"must be min plus a whole number of steps ({attrs.min:g} + n x {attrs.step:g})",
            "start-in-range-on-grid",
        )


def exact_grid(attrs: StepperAttributes) -> bool:
    """Whether `multiple_of=step` states the grid exactly: min lies on it and step is a whole number of 1/1024ths.

    Such steps are exact in binary floating point; others (0.1) need the tolerance of `on_grid`.
    """
    scaled = attrs.step * 1024
    return scaled == int(scaled) and (attrs.min / attrs.step).is_integer() and max(-attrs.min, attrs.max) < 2**40


def _whole_grid(attrs: StepperAttributes) -> bool:
    """Whether types alone hold whole-number results to an exact grid: a whole step (by `multiple_of`) or one that
    divides 1 (0.5, 0.25: every whole number is on the grid)."""
    return exact_grid(attrs) and (attrs.step.is_integer() or (1 / attrs.step).is_integer())


def _result_in_range(attrs: StepperAttributes) -> dict[str, Any]:
    exact = exact_grid(attrs)
    low, high = math.ceil(attrs.min), math.floor(attrs.max)
    whole_step = int(attrs.step) if exact and attrs.step.is_integer() else None
    whole = Annotated[int, Meta(ge=low, le=high, multiple_of=whole_step)]
    number = Annotated[float, Meta(ge=attrs.min, le=attrs.max, multiple_of=attrs.step if exact else None)]
    return {"result": whole | number}


def _result_on_grid(attrs: StepperAttributes, result: StepperResult) -> Sequence[Problem]:
    if on_grid(result.result, attrs.min, attrs.step):
        return ()
    return [
        Problem("result", f"must be {attrs.min:g} plus a whole number of steps of {attrs.step:g}", "result-on-grid")
    ]


COMPONENT = ComponentDefinition(
    name="Stepper",
    description="A number picked from [`min`, `max`] with up and down arrows, moving by `step` (default 1) "
    "from `start` (default `min`). Every value the worker can reach is `min` plus a whole number of steps; "
    f"the range holds at most {MAX_STEPS:,} steps ((max - min) / step).",
    attributes=StepperAttributes,
    result=StepperResult,
    example={"min": 0, "max": 10, "step": 0.5, "start": 5},
    example_result={"result": 7.5},
    attribute_rules=(
        Rule("min-below-max", _range),
        Rule("grid-not-too-fine", _grid_size),
        Rule("start-in-range-on-grid", _start),
    ),
    result_rules=(
        Narrowing("result-in-range", _result_in_range),
        Rule("result-on-grid", _result_on_grid, when=lambda attrs: not _whole_grid(attrs)),
    ),
    bad_examples=(
        BadExample("attributes", "schema", {"max": 10}, "min"),
        BadExample("attributes", "schema", {"min": 0, "max": 10, "step": 0}, "step"),
        BadExample("attributes", "min-below-max", {"min": 5, "max": 5}, "max"),
        BadExample("attributes", "min-below-max", {"min": 0, "max": 1, "step": 2}, "step"),
        BadExample("attributes", "grid-not-too-fine", {"min": 0, "max": 10, "step": 1e-6}, "step"),
        BadExample("attributes", "grid-not-too-fine", {"min": -1e9, "max": 1e9, "step": 5e-324}, "step"),
        BadExample("attributes", "start-in-range-on-grid", {"min": 0, "max": 10, "start": 11}, "start"),
        BadExample("attributes", "start-in-range-on-grid", {"min": 0, "max": 10, "step": 2, "start": 3}, "start"),
        BadExample("result", "result-in-range", {"result": 10.5}, "result"),
        BadExample("result", "result-in-range", {"result": 11}, "result"),
        BadExample("result", "result-in-range", {"result": 7.25}, "result"),
        BadExample(
            "result", "result-on-grid", {"result": 0.25}, "result", properties={"min": 0, "max": 1, "step": 0.1}
        ),
        BadExample("result", "result-on-grid", {"result": 4}, "result", properties={"min": 1, "max": 9, "step": 2}),
        BadExample("result", "schema", {"result": None}, "result"),
    ),
)
