"""Routes for the component catalogue and for checking tasks and results against it."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from taskengine import catalogue
from taskengine.api.body import json_body
from taskengine.api.context import url_policy
from taskengine.api.docs import BODY, errors
from taskengine.engine import default_engine
from taskengine.errors import DomainError, ErrorCode


class ComponentList(msgspec.Struct):
    components: list[catalogue.ComponentInfo]


class TaskValidation(msgspec.Struct):
    valid: bool
    task: dict[str, Any]


class ResultValidation(msgspec.Struct):
    valid: bool
    result: dict[str, Any]


# The engine checks both with its own paths and codes; the document shows what it accepts.
ResultCheck = msgspec.defstruct(
    "ResultCheck", [("task", default_engine().task_type), ("result", dict[str, Any])], forbid_unknown_fields=True
)
TASK_CHECK = json_body(default_engine().task_type, None, principal=None)
RESULT_CHECK = json_body(ResultCheck, None, principal=None)


class ComponentController(Controller):
    path = "/components"
    tags = ["components"]

    @get("/", summary="The whole component catalogue (not paged: it is small and static)", **errors())
    async def list_components(self) -> ComponentList:
        return ComponentList(catalogue.catalogue())

    @get("/{name:str}", summary="One component type: attributes and result schemas, example", **errors(404))
    async def get_component(self, name: FromPath[str]) -> catalogue.ComponentInfo:
        return catalogue.component_info(name)

    @post(
        "/validate-task",
        status_code=200,
        summary="Check a task definition; 422 lists every problem",
        **TASK_CHECK,
        **errors(*BODY),
    )
    async def validate_task(self, request: Request[Any, Any, Any], data: JSONBody[Any]) -> TaskValidation:
        task = await catalogue.check_task_off_loop(data, urls=url_policy(request))
        return TaskValidation(valid=True, task=msgspec.to_builtins(task))

    @post(
        "/validate-result",
        status_code=200,
        summary="Check a result against a task: body {task, result}; 422 lists every problem",
        **RESULT_CHECK,
        **errors(*BODY),
    )
    async def validate_result(self, request: Request[Any, Any, Any], data: JSONBody[Any]) -> ResultValidation:
        body = data
        if not isinstance(body, dict) or set(body) != {"task", "result"}:
            raise DomainError(
                ErrorCode.BAD_REQUEST, 'send an object with exactly two fields: {"task": {...}, "result": {...}}'
            )
        task = await catalogue.check_task_off_loop(body["task"], path="task", urls=url_policy(request))
        result = await catalogue.check_result_off_loop(task, body["result"], path="result")
        return ResultValidation(valid=True, result=msgspec.to_builtins(result))


class SchemaController(Controller):
    path = "/schemas"
    tags = ["components"]

    @get("/task", summary="JSON Schema of a task definition, derived from the catalogue", **errors())
    async def task_schema(self) -> dict[str, Any]:
        return default_engine().task_schema()
