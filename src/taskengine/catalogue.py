"""The catalogue service: what each component type offers, and task / result checks as domain errors."""

from __future__ import annotations

import functools
from typing import Any

import anyio.to_thread
import msgspec

from taskengine.engine import ComponentDefinition, Engine, Problem, UrlPolicy, component_schemas, default_engine
from taskengine.errors import DomainError, ErrorCode, problem_count
from taskengine.settings import Settings

STRICT_URLS = UrlPolicy()
"""Public hosts only, and no origin allowed besides: what a task gets when no policy is said."""


@functools.cache
def url_policy(settings: Settings) -> UrlPolicy:
    """The media URL policy of a service: its own public URL always, internal hosts only if the operator says so."""
    return UrlPolicy.allowing(settings.base_url, allow_private=settings.allow_private_media_urls)


class ComponentInfo(msgspec.Struct, rename="camel", kw_only=True):
    """One component type as a device or a requester needs to know it."""

    name: str
    interactive: bool
    description: str
    attributes: dict[str, Any]
    result: dict[str, Any] | None
    example: dict[str, Any]
    example_result: dict[str, Any] | None


def describe(definition: ComponentDefinition) -> ComponentInfo:
    attributes, result = component_schemas(definition)
    return ComponentInfo(
        name=definition.name,
        interactive=definition.interactive,
        description=definition.description,
        attributes=attributes,
        result=result,
        example={"type": definition.name, "properties": definition.example},
        example_result=definition.example_result,
    )


def component_info(name: str, engine: Engine | None = None) -> ComponentInfo:
    definition = (engine or default_engine()).registry.get(name)
    if definition is None:
        raise DomainError(
            ErrorCode.UNKNOWN_COMPONENT, f"unknown component type {name[:100]!r}; GET /components lists them"
        )
    return describe(definition)


def catalogue(engine: Engine | None = None) -> list[ComponentInfo]:
    return [describe(d) for d in (engine or default_engine()).registry]


def _raise(code: ErrorCode, what: str, problems: list[Problem]) -> None:
    count = problem_count(problems)
    first = "; ".join(str(p) for p in problems[:3]) + ("; ..." if len(problems) > 3 else "")
    raise DomainError(code, f"{what} has {count}: {first}", problems)


def check_task(obj: Any, *, path: str = "", engine: Engine | None = None, urls: UrlPolicy = STRICT_URLS) -> Any:
    """The decoded task, or DomainError INVALID_TASK listing every problem (paths under `path`).

    `urls` says which hosts its media URLs may name (see `url_policy`).
    """
    checked = (engine or default_engine()).validate_task(obj, urls=urls)
    if not checked.ok:
        _raise(ErrorCode.INVALID_TASK, "the task", [p.rooted(path) for p in checked.problems])
    return checked.value


def check_result(task: Any, obj: Any, *, path: str = "", engine: Engine | None = None) -> Any:
    """The decoded result for `task`, or DomainError INVALID_RESULT listing every problem."""
    checked = (engine or default_engine()).validate_result(task, obj)
    if not checked.ok:
        _raise(ErrorCode.INVALID_RESULT, "the result", [p.rooted(path) for p in checked.problems])
    return checked.value


# Validating a large task or result takes a few hundred milliseconds of pure Python (a 1 MB task with a problem
# per component about 0.25 s); in a worker thread the event loop keeps answering meanwhile. The hop costs
# about 0.1 ms, far below what any task costs to validate, so it is taken every time.


async def check_task_off_loop(
    obj: Any, *, path: str = "", engine: Engine | None = None, urls: UrlPolicy = STRICT_URLS
) -> Any:
    """`check_task` in a worker thread."""
    return await anyio.to_thread.run_sync(functools.partial(check_task, obj, path=path, engine=engine, urls=urls))


async def check_result_off_loop(task: Any, obj: Any, *, path: str = "", engine: Engine | None = None) -> Any:
    """`check_result` in a worker thread."""
    return await anyio.to_thread.run_sync(functools.partial(check_result, task, obj, path=path, engine=engine))
