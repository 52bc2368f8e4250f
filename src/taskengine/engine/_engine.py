"""Validating task definitions and submitted results against the catalogue.

Each check first tries msgspec's one-pass typed decode (the common, valid case); only when
that fails does it walk the input field by field to report every problem at once.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Generic, TypeVar, Union

import msgspec
from msgspec import Meta

from taskengine.engine._definition import ComponentDefinition, Result
from taskengine.engine._fields import CustomProperties, Name
from taskengine.engine._json import JsonInputError, parse_json
from taskengine.engine._problems import Problem, check_value, convert_collecting, rooted, type_name
from taskengine.engine._registry import Registry
from taskengine.engine._urls import UrlPolicy

MAX_COMPONENTS_PER_TASK = 100
_NARROWED_CACHE_SIZE = 4096

T = TypeVar("T")


class ComponentBase(
    msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True, frozen=True, tag_field="type"
):
    """The fields every component of a task has besides its `type` and `properties`."""

    sticky: Annotated[bool, Meta(description="stays on screen while the worker scrolls")] = False
    optional_result: Annotated[bool, Meta(description="the worker may leave this component unanswered")] = False
    landscape: Annotated[bool, Meta(description="shown in landscape orientation")] = False


TaskName = Annotated[Name, Meta(description="name of the task")]


class TaskBase(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    name: TaskName
    properties: CustomProperties = {}


class CompiledTask:
    """A task prepared for checking results: its result decoder and the Python checks that remain.

    `checks` is flat, one (component index, rule function, attributes) per rule, so the hot loop does no lookups.
    """

    __slots__ = ("checks", "decoder", "slots", "struct", "task")

    def __init__(
        self,
        task: Any,
        struct: Any,
        decoder: msgspec.json.Decoder[Any],
        slots: tuple[type[Result] | None, ...],
        checks: tuple[tuple[int, Any, Any], ...],
    ) -> None:
        self.task = task
        self.struct = struct
        self.decoder = decoder
        self.slots = slots
        self.checks = checks


class Checked(msgspec.Struct, Generic[T], frozen=True):
    """The outcome of a check: the decoded value when there are no problems, else every problem."""

    value: T | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _component_class(definition: ComponentDefinition) -> type[ComponentBase]:
    attrs = definition.attributes
    all_default = all(not f.required for f in msgspec.structs.fields(attrs))
    properties: tuple[Any, ...] = (
        ("properties", attrs, msgspec.field(default_factory=attrs)) if all_default else ("properties", attrs)
    )
    cls = msgspec.defstruct(
        f"{definition.name}Component",
        [properties],
        bases=(ComponentBase,),
        tag=definition.name,
        module=__name__,
    )
    assert issubclass(cls, ComponentBase)  # defstruct is typed as returning a bare Struct
    return cls


class Engine:
    """Task and result validation for one registry of component types."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._class_by_name = {d.name: _component_class(d) for d in registry}
        self._definition_by_class = {cls: registry[name] for name, cls in self._class_by_name.items()}
        component_union: Any = Union[tuple(self._class_by_name.values())]  # noqa: UP007 - built at run time
        self.task_type: Any = msgspec.defstruct(
            "Task",
            [
                (
                    "components",
                    Annotated[
                        list[component_union],
                        Meta(min_length=1, max_length=MAX_COMPONENTS_PER_TASK, description="components, top to bottom"),
                    ],
                )
            ],
            bases=(TaskBase,),
            module=__name__,
        )
        self._task_decoder = msgspec.json.Decoder(self.task_type)
        self._result_structs = functools.lru_cache(maxsize=4096)(self._build_result_structs)
        self._narrowed_types: dict[tuple[str, bytes], type[Result]] = {}

    # -- components ---------------------------------------------------------------------------

    def definition_of(self, component: ComponentBase) -> ComponentDefinition:
        return self._definition_by_class[type(component)]

    # -- tasks ----------------------------------------------------------------------------------

    def validate_task(self, obj: Any, *, urls: UrlPolicy | None = None) -> Checked[Any]:
        """Check a task definition given as decoded JSON.

        `urls` is the policy for the URLs it shows (internal hosts, credentials); None checks only their form,
        for definitions accepted earlier under a policy and read back.
        """
        try:
            task = msgspec.convert(obj, self.task_type, strict=True)
        except msgspec.ValidationError:
            return Checked(None, self._task_problems(obj, urls))
        return self._with_attribute_rules(task, urls)

    def validate_task_json(self, data: bytes, *, urls: UrlPolicy | None = None) -> Checked[Any]:
        """Check a task definition given as JSON bytes (`urls` as for `validate_task`)."""
        try:
            task = self._task_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            try:
                return self.validate_task(parse_json(data), urls=urls)
            except JsonInputError as exc:
                return Checked(None, [Problem("", str(exc), "json")])
        return self._with_attribute_rules(task, urls)

    def _with_attribute_rules(self, task: Any, urls: UrlPolicy | None) -> Checked[Any]:
        problems = [
            p
            for i, component in enumerate(task.components)
            for p in rooted(self._attribute_problems(component, urls), f"components[{i}].properties")
        ]
        return Checked(None if problems else task, problems)

    def _attribute_problems(self, component: Any, urls: UrlPolicy | None) -> list[Problem]:
        """The component's attribute rules, then the URL policy over every URL-typed attribute."""
        definition = self.definition_of(component)
        problems = definition.check_attributes(component.properties)
        if urls is not None:
            for path, url in definition.urls(component.properties):
                reason = urls.problem(url)
                if reason is not None:
                    problems.append(Problem(path, reason, "url-policy"))
        return problems

    def _task_problems(self, obj: Any, urls: UrlPolicy | None) -> list[Problem]:
        if not isinstance(obj, dict):
            return convert_collecting(obj, TaskBase)[1]
        head = {k: v for k, v in obj.items() if k != "components"}
        problems = convert_collecting(head, TaskBase)[1]
        if "components" not in obj:
            return [*problems, Problem("components", "is required", "required")]
        components = obj["components"]
        list_type = Annotated[list[Any], Meta(min_length=1, max_length=MAX_COMPONENTS_PER_TASK)]
        problems.extend(rooted(check_value(components, list_type), "components"))
        if isinstance(components, list):
            for i, component in enumerate(components[:MAX_COMPONENTS_PER_TASK]):
                problems.extend(self._component_problems(component, f"components[{i}]", urls))
        return problems

    def _component_problems(self, obj: Any, path: str, urls: UrlPolicy | None) -> list[Problem]:
        if not isinstance(obj, dict):
            return convert_collecting(obj, ComponentBase, path)[1]
        name = obj.get("type")
        if name is None:
            return [Problem(f"{path}.type", "is required", "required")]
        if not isinstance(name, str):
            return [Problem(f"{path}.type", "must be a string naming a component type", "type")]
        cls = self._class_by_name.get(name)
        if cls is None:
            return [
                Problem(
                    f"{path}.type",
                    f"unknown component type {name[:100]!r}; GET /components lists the types",
                    "unknown-component",
                )
            ]
        component, problems = convert_collecting(obj, cls, path)
        if component is None:
            return problems
        return rooted(self._attribute_problems(component, urls), f"{path}.properties")

    # -- results --------------------------------------------------------------------------------

    def compile(self, task: Any) -> CompiledTask:
        """Prepare `task` for checking many results: do it once per task and keep the outcome."""
        slots: list[type[Result] | None] = []
        checks: list[tuple[int, Any, Any]] = []
        for i, component in enumerate(task.components):
            definition = self.definition_of(component)
            if definition.result is None:
                slots.append(None)
                continue
            slots.append(self._narrowed(definition, component.properties))
            checks.extend(
                (i, r.check, component.properties) for r in definition.result_checks_for(component.properties)
            )
        key = tuple((slot, c.optional_result) for slot, c in zip(slots, task.components, strict=True))
        struct, decoder = self._result_structs(key)
        return CompiledTask(task, struct, decoder, tuple(slots), tuple(checks))

    def _narrowed(self, definition: ComponentDefinition, attributes: Any) -> type[Result]:
        assert definition.result is not None
        if not definition.narrowings:
            return definition.result
        key = (definition.name, msgspec.json.encode(attributes))
        narrowed = self._narrowed_types.get(key)
        if narrowed is None:
            fields: dict[str, Any] = {}
            for narrowing in definition.narrowings:
                fields.update(narrowing.fields(attributes))
            built = msgspec.defstruct(
                definition.result.__name__, list(fields.items()), bases=(definition.result,), module=__name__
            )
            assert issubclass(built, Result)  # defstruct is typed as returning a bare Struct
            narrowed = built
            if len(self._narrowed_types) >= _NARROWED_CACHE_SIZE:
                self._narrowed_types.pop(next(iter(self._narrowed_types)))
            self._narrowed_types[key] = narrowed
        return narrowed

    def _build_result_structs(self, key: tuple[tuple[type[Result] | None, bool], ...]) -> tuple[Any, Any]:
        slots = [None if result is None else (result | None if optional else result) for result, optional in key]
        answers = tuple.__class_getitem__(tuple(slots)) if slots else tuple[()]
        struct = msgspec.defstruct(
            "TaskResult",
            [("components", Annotated[answers, Meta(description="one entry per component of the task, in order")])],
            forbid_unknown_fields=True,
            frozen=True,
            module=__name__,
        )
        return struct, msgspec.json.Decoder(struct)

    def validate_result(self, task: Any, obj: Any) -> Checked[Any]:
        """Check a full result for `task` (a task or a CompiledTask) given as decoded JSON."""
        compiled = task if isinstance(task, CompiledTask) else self.compile(task)
        try:
            result = msgspec.convert(obj, compiled.struct, strict=True)
        except msgspec.ValidationError:
            return Checked(None, self._result_problems(compiled, obj))
        return self._with_result_checks(compiled, result)

    def validate_result_json(self, task: Any, data: bytes) -> Checked[Any]:
        """Check a full result for `task` (a task or a CompiledTask) given as JSON bytes."""
        compiled = task if isinstance(task, CompiledTask) else self.compile(task)
        try:
            result = compiled.decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            try:
                return self.validate_result(compiled, parse_json(data))
            except JsonInputError as exc:
                return Checked(None, [Problem("", str(exc), "json")])
        return self._with_result_checks(compiled, result)

    def _with_result_checks(self, compiled: CompiledTask, result: Any) -> Checked[Any]:
        answers = result.components
        # A comprehension, not a loop with appends: this is the hot path, and nearly every check finds nothing.
        failed = [
            (i, found)
            for i, check, attributes in compiled.checks
            if (answer := answers[i]) is not None and (found := check(attributes, answer))
        ]
        if not failed:
            return Checked(result, [])
        return Checked(None, [p for i, found in failed for p in rooted(found, f"components[{i}]")])

    def _result_problems(self, compiled: CompiledTask, obj: Any) -> list[Problem]:
        if not isinstance(obj, dict):
            return [Problem("", f"must be an object with a 'components' array, got {type_name(obj)}", "type")]
        problems = [Problem(str(k), "is not a known field", "unknown-field") for k in obj if k != "components"]
        answers = obj.get("components")
        expected = len(compiled.slots)
        if answers is None:
            required = Problem(
                "components", f"is required: an array of {expected} entries, one per component", "required"
            )
            return [*problems, required]
        if not isinstance(answers, list):
            return [*problems, Problem("components", f"must be an array, got {type_name(answers)}", "type")]
        if len(answers) != expected:
            problems.append(
                Problem(
                    "components",
                    f"must have exactly {expected} entries, one per component of the task "
                    f"(null where no answer is due), got {len(answers)}",
                    "count",
                )
            )
        # Check what can be paired even when the count is wrong, so every problem shows at once.
        components = compiled.task.components
        for i, (component, slot, answer) in enumerate(zip(components, compiled.slots, answers, strict=False)):
            problems.extend(rooted(self._answer_problems(component, slot, answer, i), f"components[{i}]"))
        return problems

    def _answer_problems(self, component: Any, slot: type[Result] | None, answer: Any, index: int) -> list[Problem]:
        definition = self.definition_of(component)
        if slot is None:
            if answer is not None:
                return [
                    Problem("", f"component {index} ({definition.name}) takes no answer; send null", "no-answer-due")
                ]
            return []
        if answer is None:
            if component.optional_result:
                return []
            return [Problem("", f"component {index} ({definition.name}) needs an answer", "answer-required")]
        result, problems = convert_collecting(answer, slot)
        if result is None:
            return problems
        return definition.check_result(component.properties, result)

    # -- schemas --------------------------------------------------------------------------------

    def task_schema(self) -> dict[str, Any]:
        """JSON Schema of a whole task definition (static constraints; rules are checked by the engine)."""
        return msgspec.json.schema(self.task_type)

    def result_schema(self, task: Any) -> dict[str, Any]:
        """JSON Schema of a full result for `task` (a task or a CompiledTask)."""
        compiled = task if isinstance(task, CompiledTask) else self.compile(task)
        return msgspec.json.schema(compiled.struct)


def component_schemas(definition: ComponentDefinition) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """JSON Schema of a component's attributes and of its result (None for non-interactive ones)."""
    attributes = msgspec.json.schema(definition.attributes)
    result = msgspec.json.schema(definition.result) if definition.result is not None else None
    return attributes, result
