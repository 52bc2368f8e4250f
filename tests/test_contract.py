"""One contract, run over every registered component type."""

from __future__ import annotations

import re

import jsonschema
import msgspec
import pytest

from taskengine.engine import ComponentDefinition, Engine
from tests.factories import all_definitions, one_component_task

DEFINITIONS = all_definitions()
by_name = pytest.mark.parametrize("definition", DEFINITIONS, ids=[d.name for d in DEFINITIONS])


def _bad_cases() -> list[tuple[ComponentDefinition, int]]:
    return [(d, i) for d in DEFINITIONS for i in range(len(d.bad_examples))]


@by_name
def test_example_is_a_valid_task_component(engine: Engine, definition: ComponentDefinition) -> None:
    checked = engine.validate_task(one_component_task(definition))
    assert checked.problems == []
    # What the engine hands back is itself a valid definition (normalised, defaults filled in).
    again = engine.validate_task(msgspec.to_builtins(checked.value))
    assert again.ok and again.value == checked.value


@by_name
def test_example_result_is_valid_and_only_interactive_components_take_one(
    engine: Engine, definition: ComponentDefinition
) -> None:
    task = engine.validate_task(one_component_task(definition)).value
    if definition.interactive:
        checked = engine.validate_result(task, {"components": [definition.example_result]})
        assert checked.problems == []
        missing = engine.validate_result(task, {"components": [None]})
        assert [p.path for p in missing.problems] == ["components[0]"]
        assert "needs an answer" in missing.problems[0].message
    else:
        assert engine.validate_result(task, {"components": [None]}).ok
        answered = engine.validate_result(task, {"components": [{"anything": 1}]})
        assert [p.path for p in answered.problems] == ["components[0]"]
        assert "takes no answer" in answered.problems[0].message


@by_name
def test_optional_result_may_be_left_out(engine: Engine, definition: ComponentDefinition) -> None:
    task = engine.validate_task(one_component_task(definition, optionalResult=True)).value
    assert engine.validate_result(task, {"components": [None]}).ok


@pytest.mark.parametrize(
    ("definition", "index"), _bad_cases(), ids=[f"{d.name}-{d.bad_examples[i].rule}-{i}" for d, i in _bad_cases()]
)
def test_bad_example_is_refused_at_its_exact_path(engine: Engine, definition: ComponentDefinition, index: int) -> None:
    bad = definition.bad_examples[index]
    if bad.target == "attributes":
        checked = engine.validate_task(one_component_task(definition, bad.data))
        expected = f"components[0].properties.{bad.path}"
    else:
        task = engine.validate_task(one_component_task(definition, bad.properties)).value
        assert task is not None, "the properties of a result case must themselves be valid"
        checked = engine.validate_result(task, {"components": [bad.data]})
        expected = f"components[0].{bad.path}"
    assert checked.value is None
    assert expected in [p.path for p in checked.problems], [str(p) for p in checked.problems]
    assert all(p.message and not p.message.startswith("Expected") for p in checked.problems)


@by_name
def test_every_rule_has_a_failing_case_and_the_schema_is_exercised(definition: ComponentDefinition) -> None:
    covered = {b.rule for b in definition.bad_examples}
    rules = {r.name for r in definition.attribute_rules + definition.result_rules}
    assert rules <= covered, f"rules without a failing example: {rules - covered}"
    assert sum(b.rule == "schema" for b in definition.bad_examples) >= 2
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in rules)


@by_name
def test_json_schema_accepts_the_example_and_refuses_schema_breaches(definition: ComponentDefinition) -> None:
    attributes = msgspec.json.schema(definition.attributes)
    jsonschema.validate(definition.example, attributes)
    if definition.result is not None:
        jsonschema.validate(definition.example_result, msgspec.json.schema(definition.result))
    for bad in definition.bad_examples:
        if bad.rule == "schema":
            schema = attributes if bad.target == "attributes" else msgspec.json.schema(definition.result)
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(bad.data, schema)


@by_name
def test_is_documented(definition: ComponentDefinition) -> None:
    assert len(definition.description) >= 20
    structs = [definition.attributes] + ([definition.result] if definition.result else [])
    for struct in structs:
        schema = msgspec.json.schema(struct)
        for name, spec in schema["$defs"].items():
            for field, field_schema in spec.get("properties", {}).items():
                assert field_schema.get("description"), f"{name}.{field} has no description"


def test_task_schema_accepts_a_task_of_every_example(engine: Engine) -> None:
    task = {
        "name": "everything",
        "components": [{"type": d.name, "properties": d.example} for d in DEFINITIONS],
    }
    schema = engine.task_schema()
    jsonschema.validate(task, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**task, "components": [{"type": "NoSuchThing", "properties": {}}]}, schema)
    # Struct names become $defs names: two components sharing one would silently merge.
    struct_names = [s.__name__ for d in DEFINITIONS for s in (d.attributes, d.result) if s is not None]
    assert len(struct_names) == len(set(struct_names))


def _http_urls(value: object) -> set[str]:
    if isinstance(value, str):
        return {value} if value.startswith(("http://", "https://")) else set()
    if isinstance(value, dict):
        return set().union(*(_http_urls(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_http_urls(v) for v in value))
    return set()


@by_name
def test_every_media_url_a_component_shows_is_declared(engine: Engine, definition: ComponentDefinition) -> None:
    # The size a device downloads is the sum over `shows`: a URL attribute left out would go uncounted.
    component = engine.validate_task(one_component_task(definition)).value.components[0]
    assert set(definition.media_urls(component.properties)) == _http_urls(definition.example)


@by_name
def test_upload_estimate_is_declared_for_media_answers(engine: Engine, definition: ComponentDefinition) -> None:
    component = engine.validate_task(one_component_task(definition)).value.components[0]
    estimate = definition.estimated_upload_bytes(component.properties)
    uploads_media = definition.result is not None and any(
        f.encode_name == "url" for f in msgspec.structs.fields(definition.result)
    )
    assert (estimate > 0) is uploads_media
