"""Rating: a row of stars; the worker selects at least one."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, Narrowing, Result


class RatingAttributes(Attributes, frozen=True):
    steps: Annotated[int, Meta(ge=1, le=10, description="number of stars")] = 5
    half_steps: Annotated[bool, Meta(description="whether the worker can select half stars")] = False


class RatingResult(Result, frozen=True):
    rating: Annotated[float, Meta(ge=0, le=10, description="the rating, in stars")]


def _rating_on_scale(attrs: RatingAttributes) -> dict[str, Any]:
    # At least one star (or half a star), in whole (or half) stars: multiples of 0.5 are exact in binary floats.
    grain = 0.5 if attrs.half_steps else 1
    return {"rating": Annotated[float, Meta(ge=grain, le=attrs.steps, multiple_of=grain)]}


COMPONENT = ComponentDefinition(
    name="Rating",
    description="A rating bar of `steps` stars (default 5). The worker must select at least one star, "
    "or half a star when `halfSteps` is true (default false).",
    attributes=RatingAttributes,
    result=RatingResult,
    example={"steps": 5, "halfSteps": True},
    example_result={"rating": 3.5},
    result_rules=(Narrowing("rating-on-scale", _rating_on_scale),),
    bad_examples=(
        BadExample("attributes", "schema", {"steps": 0}, "steps"),
        BadExample("attributes", "schema", {"steps": 11}, "steps"),
        BadExample("result", "rating-on-scale", {"rating": 6}, "rating"),
        BadExample("result", "rating-on-scale", {"rating": 0}, "rating"),
        BadExample("result", "rating-on-scale", {"rating": 0.5}, "rating", properties={"steps": 5}),
        BadExample("result", "rating-on-scale", {"rating": 2.5}, "rating", properties={"steps": 5}),
        BadExample("result", "rating-on-scale", {"rating": 2.25}, "rating"),
        BadExample("result", "schema", {"rating": "3"}, "rating"),
    ),
)
