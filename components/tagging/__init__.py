"""Tagging: the worker types free tags describing what is shown (answer type `tags`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from msgspec import Meta

from taskengine.engine import (
    Attributes,
    BadExample,
    ComponentDefinition,
    Narrowing,
    OptionalText,
    Problem,
    Result,
    Rule,
    duplicates,
)

MAX_TAGS = 100
MAX_SUGGESTIONS = 50
MAX_TAG_LENGTH = 50

Tag = Annotated[str, Meta(min_length=1, max_length=MAX_TAG_LENGTH)]
"""One free tag: a word or short phrase."""


class TaggingAttributes(Attributes, frozen=True):
    hint: Annotated[OptionalText, Meta(description="placeholder shown in the empty tag field (default empty)")] = ""
    min_tags: Annotated[int, Meta(ge=0, le=MAX_TAGS, description="fewest tags the worker must give (default 1)")] = 1
    max_tags: Annotated[int, Meta(ge=1, le=MAX_TAGS, description="most tags the worker may give (default 10)")] = 10
    # Tags rather than any label: a suggestion the worker picks must itself be a valid tag.
    suggestions: Annotated[
        list[Tag],
        Meta(max_length=MAX_SUGGESTIONS, description="tags offered for the worker to pick, unique (default none)"),
    ] = []


class TaggingResult(Result, frozen=True):
    tags: Annotated[list[Tag], Meta(max_length=MAX_TAGS, description="the tags, 1 to 50 characters each")]


def _tag_range(attrs: TaggingAttributes) -> Iterator[Problem]:
    if attrs.min_tags > attrs.max_tags:
        yield Problem("minTags", f"must be at most maxTags ({attrs.max_tags})", "min-tags-within-max")


# "Cat" and "cat" are one tag to whoever reads the results.
def _suggestions_unique(attrs: TaggingAttributes) -> Iterator[Problem]:
    yield from duplicates("suggestions", attrs.suggestions, "suggestions-unique", key=str.casefold)


def _tag_count(attrs: TaggingAttributes) -> dict[str, Any]:
    return {"tags": Annotated[list[Tag], Meta(min_length=attrs.min_tags, max_length=attrs.max_tags)]}


def _tags_distinct_not_blank(attrs: TaggingAttributes, result: TaggingResult) -> Sequence[Problem]:
    tags = result.tags
    # map() over str methods keeps the common, valid case free of Python-level loops.
    if len(set(map(str.casefold, tags))) == len(tags) and not any(map(str.isspace, tags)):
        return ()
    blank = [
        Problem(f"tags[{i}]", "must not be blank", "tags-distinct-not-blank") for i, t in enumerate(tags) if t.isspace()
    ]
    return blank + list(duplicates("tags", tags, "tags-distinct-not-blank", key=str.casefold))


COMPONENT = ComponentDefinition(
    name="Tagging",
    description="A field where the worker types free tags, showing `hint` while empty (default empty) and offering "
    "`suggestions` to pick from (default none, at most 50). The worker gives at least `minTags` (default 1) and at "
    "most `maxTags` (default 10, at most 100) tags of 1 to 50 characters, none blank and no two equal ignoring case.",
    attributes=TaggingAttributes,
    result=TaggingResult,
    example={"hint": "What is in the picture?", "maxTags": 5, "suggestions": ["cat", "sofa"]},
    example_result={"tags": ["cat", "sofa", "sleeping"]},
    attribute_rules=(Rule("min-tags-within-max", _tag_range), Rule("suggestions-unique", _suggestions_unique)),
    result_rules=(
        Narrowing("tag-count-in-range", _tag_count),
        Rule("tags-distinct-not-blank", _tags_distinct_not_blank),
    ),
    bad_examples=(
        BadExample("attributes", "schema", {"maxTags": 0}, "maxTags"),
        BadExample("attributes", "schema", {"maxTags": 101}, "maxTags"),
        BadExample("attributes", "schema", {"suggestions": ["cat", ""]}, "suggestions[1]"),
        BadExample("attributes", "schema", {"tags": ["cat"]}, "tags"),
        BadExample("attributes", "min-tags-within-max", {"minTags": 3, "maxTags": 2}, "minTags"),
        BadExample("attributes", "suggestions-unique", {"suggestions": ["cat", "dog", "Cat"]}, "suggestions[2]"),
        BadExample("result", "tag-count-in-range", {"tags": []}, "tags"),
        BadExample("result", "tag-count-in-range", {"tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
        BadExample("result", "tags-distinct-not-blank", {"tags": ["cat", "sofa", "CAT"]}, "tags[2]"),
        BadExample("result", "tags-distinct-not-blank", {"tags": ["cat", "  "]}, "tags[1]"),
        BadExample("result", "schema", {"tags": ["cat", "t" * 51]}, "tags[1]"),
    ),
)
