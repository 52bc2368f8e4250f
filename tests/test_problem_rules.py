"""Every problem names the rule it broke, from a documented list, so a client can switch on `rule`."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import msgspec
import pytest

from taskengine.engine import ENGINE_RULES, Engine, Problem, UrlPolicy
from taskengine.errors import PROBLEM_RULES, ErrorBody
from tests.factories import all_definitions

REPO = Path(__file__).resolve().parents[1]
COMPONENT_RULES = {r.name for d in all_definitions() for r in (*d.attribute_rules, *d.result_checks)}
DOCUMENTED = set(PROBLEM_RULES) | COMPONENT_RULES


def _task(*components: Any, **head: Any) -> dict[str, Any]:
    return {"name": "t", "components": list(components), **head}


BAD_TASKS: list[Any] = [
    [],
    "a task",
    {},
    {"name": "", "components": []},
    {"name": "   ", "components": "none", "extra": 1},
    {"name": "x" * 201, "components": [{}] * 101},
    _task("Rating"),
    _task({"properties": {}}),
    _task({"type": 7}),
    _task({"type": "Carousel"}),
    _task({"type": "Rating", "properties": {"steps": 0, "halfSteps": "yes"}, "sticky": 1, "colour": "red"}),
    _task({"type": "Rating", "properties": []}),
    _task({"type": "Stepper", "properties": {"min": 0, "max": 10, "step": 1e-6}}),
    _task({"type": "Stepper", "properties": {"min": 0, "max": 10, "step": 2, "start": 3}}),
    _task({"type": "Stepper", "properties": {"min": 5, "max": 5}}),
    _task({"type": "Text", "properties": {"text": "x" * 10_001, "style": "Shout"}}),
    _task({"type": "Image", "properties": {"url": "http://127.0.0.1/cat.png"}}),
    _task({"type": "Image", "properties": {"url": "javascript:alert(1)"}}),
    _task({"type": "MultipleChoice", "properties": {"options": ["a", "a"], "maxSelected": 5}}),
    _task({"type": "BinaryChoice", "properties": {"option1": "Yes", "option2": "Yes"}}),
    _task({"type": "Text", "properties": {"text": "hi"}}, properties={str(i): "v" for i in range(51)}),
    _task({"type": "Text", "properties": {"text": "hi"}}, properties={"": "v", "k": 1}),
]

RESULT_TASK = _task(
    {"type": "Text", "properties": {"text": "Which?"}},
    {"type": "Stepper", "properties": {"min": 0, "max": 1, "step": 0.1}},
    {"type": "Rating", "properties": {"steps": 5}},
    {"type": "MultipleChoice", "properties": {"options": ["a", "b", "c"], "maxSelected": 2}},
    {"type": "AudioRecording", "properties": {"maxDurationInSeconds": 10}},
    {"type": "Tagging", "properties": {}},
    {"type": "TextInput", "properties": {}},
)

BAD_RESULTS: list[Any] = [
    [],
    {},
    {"components": "all"},
    {"components": [None], "extra": True},
    {"components": [{"text": "hi"}, None, None, None, None, None, None]},
    {
        "components": [
            None,
            {"result": 0.25},
            {"rating": 9},
            {"selectedOptions": ["a", "z", "a"]},
            {"url": "https://example.com/a.mp3"},
            {"tags": ["x", " ", "X"]},
            {"text": "   "},
        ]
    },
    {"components": [None, {"result": 2}, {"rating": "five"}, {"selectedOptions": []}, {}, {"tags": 1}, {"txt": ""}]},
]


def _assert_documented(problems: list[Problem]) -> None:
    assert problems
    for problem in problems:
        assert problem.rule in DOCUMENTED, f"{problem} names an undocumented rule {problem.rule!r}"


@pytest.mark.parametrize("task", BAD_TASKS, ids=range(len(BAD_TASKS)))
def test_every_problem_of_a_bad_task_names_a_documented_rule(engine: Engine, task: Any) -> None:
    _assert_documented(engine.validate_task(task, urls=UrlPolicy()).problems)
    _assert_documented(engine.validate_task_json(msgspec.json.encode(task), urls=UrlPolicy()).problems)


@pytest.mark.parametrize("result", BAD_RESULTS, ids=range(len(BAD_RESULTS)))
def test_every_problem_of_a_bad_result_names_a_documented_rule(engine: Engine, result: Any) -> None:
    task = engine.validate_task(RESULT_TASK).value
    assert task is not None
    _assert_documented(engine.validate_result(task, result).problems)
    _assert_documented(engine.validate_result_json(task, msgspec.json.encode(result)).problems)


@pytest.mark.parametrize("data", [b"{", b"[" * 2000, b'{"name": NaN}', b""])
def test_bodies_that_are_not_json_break_the_json_rule(engine: Engine, data: bytes) -> None:
    assert {p.rule for p in engine.validate_task_json(data).problems} == {"json"}


def test_the_rules_of_typical_mistakes_are_the_expected_names(engine: Engine) -> None:
    bad = _task(
        {"type": "Stepper", "properties": {"min": 0, "max": 10, "step": 1e-6}},
        {"type": "Rating", "properties": {"steps": 0}, "colour": "red"},
        {"type": "Carousel"},
        {"type": "Text", "properties": {"text": "x" * 10_001}},
        {"type": "Toggle", "properties": {}},
        name="",
    )
    rules = {p.path: p.rule for p in engine.validate_task(bad).problems}
    assert rules == {
        "name": "too-short",
        "components[0].properties.step": "grid-not-too-fine",
        "components[1].properties.steps": "out-of-range",
        "components[1].colour": "unknown-field",
        "components[2].type": "unknown-component",
        "components[3].properties.text": "too-long",
        "components[4].properties.label": "required",
    }


def test_error_bodies_and_their_schema_carry_the_rule() -> None:
    body = ErrorBody(code=42201, message="m", description="d", problems=[Problem("name", "must not be empty", "x")])
    assert msgspec.to_builtins(body)["problems"] == [{"path": "name", "message": "must not be empty", "rule": "x"}]
    problem_schema = msgspec.json.schema(ErrorBody)["$defs"]["Problem"]
    assert set(problem_schema["required"]) == {"path", "message", "rule"}


def _rule_literals(call: ast.Call) -> list[str] | None:
    """The string literals the rule argument of a `Problem(...)` call can be; None when it has no rule.

    A rule computed some other way (a variable, an f-string) contributes none; the engine tests above cover those.
    """
    arguments = [*call.args[2:3], *(k.value for k in call.keywords if k.arg == "rule")]
    if not arguments:
        return None
    choices = [arguments[0]]
    while any(isinstance(c, ast.IfExp) for c in choices):
        choices = [b for c in choices for b in ((c.body, c.orelse) if isinstance(c, ast.IfExp) else (c,))]
    return [c.value for c in choices if isinstance(c, ast.Constant) and isinstance(c.value, str)]


def test_every_problem_made_in_the_code_names_a_documented_rule() -> None:
    missing: list[str] = []
    unknown: list[str] = []
    for path in sorted([*(REPO / "src").rglob("*.py"), *(REPO / "components").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem"):
                continue
            literals = _rule_literals(node)
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if literals is None:
                missing.append(where)
            unknown.extend(f"{where}: {name}" for name in literals or () if name not in DOCUMENTED)
    assert not missing, f"Problem(...) without a rule: {missing}"
    assert not unknown, f"rules missing from PROBLEM_RULES (errors.py) or a component: {unknown}"


def test_readme_lists_every_rule() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Problem rules") :]
    for name in PROBLEM_RULES:
        assert f"| `{name}` |" in section, f"README's problem rules lack {name}"
    for name in COMPONENT_RULES:
        assert f"`{name}`" in readme, f"README lacks the component rule {name}"
    assert set(ENGINE_RULES) <= set(PROBLEM_RULES)
