"""Task and result validation: every problem at once, each at its path, never an exception."""

from __future__ import annotations

import msgspec
import pytest

from taskengine.engine import MAX_COMPONENTS_PER_TASK, Engine

RATING = {"type": "Rating", "properties": {"steps": 5}}
TEXT = {"type": "Text", "properties": {"text": "Look closely."}}
STEPPER = {"type": "Stepper", "properties": {"min": 0, "max": 10, "step": 2}}


def paths(checked: object) -> list[str]:
    return [p.path for p in checked.problems]  # type: ignore[attr-defined]


def task_of(*components: dict, **extra: object) -> dict:
    return {"name": "A task", "components": list(components), **extra}


class TestTasks:
    def test_defaults_are_filled_in(self, engine: Engine) -> None:
        task = engine.validate_task(task_of({"type": "Rating"})).value
        component = task.components[0]
        assert (component.sticky, component.optional_result, component.landscape) == (False, False, False)
        assert component.properties.steps == 5 and component.properties.half_steps is False
        assert task.properties == {}

    def test_every_problem_is_reported_at_once(self, engine: Engine) -> None:
        checked = engine.validate_task(
            {
                "name": "",
                "colour": "red",
                "properties": {"k": 1},
                "components": [
                    {"type": "Rating", "properties": {"steps": 0, "stars": 3}},
                    TEXT,
                    {"type": "Nope"},
                    {"type": "Stepper", "properties": {"min": 3, "max": 1}},
                    {"type": "Rating", "sticky": "yes"},
                    "Rating",
                    {"properties": {}},
                ],
            }
        )
        assert checked.value is None
        assert sorted(paths(checked)) == sorted(
            [
                "name",
                "colour",
                "properties.k",
                "components[0].properties.steps",
                "components[0].properties.stars",
                "components[2].type",
                "components[3].properties.max",
                "components[4].sticky",
                "components[5]",
                "components[6].type",
            ]
        )

    def test_messages_are_plain(self, engine: Engine) -> None:
        checked = engine.validate_task(task_of({"type": "Rating", "properties": {"steps": 0, "halfSteps": "no"}}))
        messages = {p.path: p.message for p in checked.problems}
        assert messages == {
            "components[0].properties.steps": "must be at least 1",
            "components[0].properties.halfSteps": "must be a boolean, got a string",
        }
        assert str(checked.problems[0]).startswith("components[0].properties.")

    def test_unknown_type_names_the_type(self, engine: Engine) -> None:
        [problem] = engine.validate_task(task_of({"type": "Slider"})).problems
        assert problem.path == "components[0].type"
        assert "unknown component type 'Slider'" in problem.message

    @pytest.mark.parametrize("count", [0, MAX_COMPONENTS_PER_TASK + 1])
    def test_component_count_is_bounded(self, engine: Engine, count: int) -> None:
        checked = engine.validate_task(task_of(*[TEXT] * count))
        assert paths(checked) == ["components"]

    def test_a_huge_component_list_is_reported_once_not_per_item(self, engine: Engine) -> None:
        checked = engine.validate_task(task_of(*[{"type": "Nope"}] * 10_000))
        assert len(checked.problems) <= MAX_COMPONENTS_PER_TASK + 1
        assert checked.problems[0].message == f"must have at most {MAX_COMPONENTS_PER_TASK} items"

    def test_missing_components_and_not_an_object(self, engine: Engine) -> None:
        assert paths(engine.validate_task({"name": "x"})) == ["components"]
        [problem] = engine.validate_task([1, 2]).problems
        assert problem.path == "" and "object" in problem.message

    def test_rules_run_only_on_components_whose_schema_holds(self, engine: Engine) -> None:
        # Stepper: min above max would break a rule, but the unknown field is reported first; no crash either way.
        checked = engine.validate_task(task_of({"type": "Stepper", "properties": {"min": 5, "max": 1, "x": 1}}))
        assert paths(checked) == ["components[0].properties.x"]

    def test_json_bytes_and_objects_agree(self, engine: Engine) -> None:
        for task in (task_of(RATING, TEXT), task_of({"type": "Rating", "properties": {"steps": 99}}), {"name": 1}):
            from_bytes = engine.validate_task_json(msgspec.json.encode(task))
            from_obj = engine.validate_task(task)
            assert from_bytes.problems == from_obj.problems
            assert from_bytes.value == from_obj.value

    @pytest.mark.parametrize(
        ("data", "fragment"),
        [
            (b"{", "not valid JSON"),
            (b'{"name": NaN}', "not valid JSON"),
            (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
            (b'{"name": "a\\u0000b"}', "NUL"),
            (b'{"name": 123456789012345678901234567890}', "64 bits"),
            (b"\xff\xfe", "not valid JSON"),
        ],
    )
    def test_unusable_bytes_are_a_problem_not_an_exception(self, engine: Engine, data: bytes, fragment: str) -> None:
        checked = engine.validate_task_json(data)
        assert checked.value is None
        assert fragment in checked.problems[0].message


class TestResults:
    @pytest.fixture()
    def task(self, engine: Engine) -> object:
        optional_rating = {**RATING, "optionalResult": True}
        return engine.validate_task(task_of(TEXT, RATING, STEPPER, optional_rating)).value

    def test_a_full_result_is_decoded(self, engine: Engine, task: object) -> None:
        checked = engine.validate_result(task, {"components": [None, {"rating": 4}, {"result": 6}, None]})
        assert checked.problems == []
        assert checked.value.components[1].rating == 4
        assert checked.value.components[2].result == 6

    def test_every_problem_is_reported_at_once(self, engine: Engine, task: object) -> None:
        checked = engine.validate_result(
            task,
            {"components": [{"rating": 1}, None, {"result": 7, "extra": True}, {"rating": 6}], "startedAt": 1},
        )
        assert sorted(paths(checked)) == [
            "components[0]",
            "components[1]",
            "components[2].extra",
            "components[2].result",
            "components[3].rating",
            "startedAt",
        ]

    def test_rule_problems_carry_the_component_path(self, engine: Engine, task: object) -> None:
        checked = engine.validate_result(task, {"components": [None, {"rating": 4}, {"result": 7}, None]})
        [problem] = checked.problems
        assert problem.path == "components[2].result"
        assert problem.message == "must be a multiple of 2"  # a whole result is told in whole numbers (issue 9)

    def test_wrong_number_of_entries(self, engine: Engine, task: object) -> None:
        checked = engine.validate_result(task, {"components": [None, {"rating": 4}]})
        assert paths(checked) == ["components", "components[1]"] or "components" in paths(checked)
        assert "exactly 4 entries" in checked.problems[0].message

    @pytest.mark.parametrize("body", [None, [], "x", {"components": "all"}, {}])
    def test_wrong_shapes(self, engine: Engine, task: object, body: object) -> None:
        checked = engine.validate_result(task, body)
        assert checked.value is None and checked.problems

    def test_json_bytes_and_objects_agree(self, engine: Engine, task: object) -> None:
        for result in (
            {"components": [None, {"rating": 4}, {"result": 6}, None]},
            {"components": [None, {"rating": 9}, {"result": 5}, None]},
            {"components": [1]},
        ):
            from_bytes = engine.validate_result_json(task, msgspec.json.encode(result))
            from_obj = engine.validate_result(task, result)
            assert from_bytes.problems == from_obj.problems
            assert from_bytes.value == from_obj.value

    def test_result_schema_follows_the_task(self, engine: Engine, task: object) -> None:
        import jsonschema

        schema = engine.result_schema(task)
        jsonschema.validate({"components": [None, {"rating": 4}, {"result": 6}, None]}, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"components": [{"rating": 4}, None, {"result": 6}, None]}, schema)


class TestCompiledTasks:
    def test_a_compiled_task_checks_like_the_task_itself(self, engine: Engine) -> None:
        task = engine.validate_task(task_of(RATING, STEPPER)).value
        compiled = engine.compile(task)
        for result in (
            {"components": [{"rating": 4}, {"result": 6}]},
            {"components": [{"rating": 4.5}, {"result": 5}]},
        ):
            assert engine.validate_result(compiled, result) == engine.validate_result(task, result)

    def test_narrowed_types_follow_each_components_attributes(self, engine: Engine) -> None:
        choice = {"type": "BinaryChoice", "properties": {"option1": "Yes", "option2": "No"}}
        other = {"type": "BinaryChoice", "properties": {"option1": "Left", "option2": "Right"}}
        task = engine.validate_task(task_of(choice, other)).value
        checked = engine.validate_result(task, {"components": [{"selectedOption": "Left"}, {"selectedOption": "No"}]})
        assert {p.path: p.message for p in checked.problems} == {
            "components[0].selectedOption": "must be one of 'Yes', 'No'",
            "components[1].selectedOption": "must be one of 'Left', 'Right'",
        }

    def test_a_rule_that_cannot_fire_is_left_out(self, engine: Engine) -> None:
        crop = {"type": "ImageCrop", "properties": {"url": "https://example.com/a.jpg"}}
        stepper_exact = {"type": "Stepper", "properties": {"min": 0, "max": 10, "step": 0.5}}
        stepper_tenths = {"type": "Stepper", "properties": {"min": 0, "max": 1, "step": 0.1}}
        compiled = engine.compile(engine.validate_task(task_of(crop, stepper_exact, stepper_tenths)).value)
        # The crop still needs its bounds checked; the exact grid is a type constraint; tenths need the tolerance.
        assert [i for i, _, _ in compiled.checks] == [0, 2]

    @pytest.mark.parametrize(
        ("value", "ok"),
        [(0.3, True), (0.7, True), (1, True), (0.25, False), (1.1, False)],
    )
    def test_stepper_grid_tolerates_float_steps(self, engine: Engine, value: float, ok: bool) -> None:
        task = engine.validate_task(task_of({"type": "Stepper", "properties": {"min": 0, "max": 1, "step": 0.1}})).value
        assert engine.validate_result(task, {"components": [{"result": value}]}).ok is ok


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://media.example.com/a/7f3a.aac", True),
        ("http://media.example.com/7f3a.AAC", True),
        ("https://media.example.com/7f3a.aac?X-Amz-Signature=abc", True),
        ("https://media.example.com/get?file=7f3a.aac", False),
        ("https://media.example.com/7f3a.aac#t=1", True),
        ("https:///7f3a.aac", False),
        ("https://media.example.com/my file.aac", False),
        ("https://media.example.com/7f3a\n.aac", False),
        ("ftp://media.example.com/7f3a.aac", False),
        ("javascript:alert(1)//.aac", False),
        ("https://media.example.com/7f3a.mp3", False),
    ],
)
def test_media_urls(engine: Engine, url: str, ok: bool) -> None:
    from taskengine.engine import media_url_problems, media_url_rule

    task = engine.validate_task(task_of({"type": "AudioRecording", "properties": {"maxDurationInSeconds": 30}})).value
    checked = engine.validate_result(task, {"components": [{"url": url}]})
    assert checked.ok is ok, checked.problems
    # The fast path and the full check agree.
    rule = media_url_rule(".aac")
    assert (not rule(None, checked.value.components[0] if ok else _Url(url))) is ok
    assert (not media_url_problems(url, ".aac")) is ok


class _Url:
    def __init__(self, url: str) -> None:
        self.url = url
