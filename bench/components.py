"""Benchmark: decode and validate a 50-component task and a full result for it, on one core.

Reports component results validated per second, and the ratio of that path's time to a bare
`msgspec.json.decode` of the same result bytes into plain Structs (the same shape with no
constraints and no rules: what decoding costs before any validation). The target is stated against
`msgspec.json.decode(data, type=...)`; the ratio to a prebuilt `msgspec.json.Decoder`, which skips the
per-call type lookup, is printed beside it. Run: `make bench`.
"""

from __future__ import annotations

import os
import platform
import time
import typing
from collections.abc import Callable
from itertools import cycle, islice
from typing import Annotated, Any, get_args, get_origin

import msgspec

from taskengine.engine import default_engine

COMPONENTS = 50
TARGET_RATE = 200_000
TARGET_RATIO = 3.0


def _plain(tp: Any, cache: dict[type, type]) -> Any:
    """`tp` with constraints stripped and Structs replaced by unconstrained twins."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _plain(get_args(tp)[0], cache)
    if origin in (list, tuple):
        return (
            origin[tuple(_plain(a, cache) for a in get_args(tp))]
            if origin is tuple
            else origin[_plain(get_args(tp)[0], cache)]
        )
    if origin in (typing.Union, __import__("types").UnionType):
        return typing.Union[tuple(_plain(a, cache) for a in get_args(tp))]  # noqa: UP007
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        if tp not in cache:
            fields = [(f.encode_name, _plain(f.type, cache)) for f in msgspec.structs.fields(tp)]
            cache[tp] = msgspec.defstruct(f"Plain{tp.__name__}", fields)
        return cache[tp]
    return tp


def _best_rate(fn: Callable[[], object], per_call: int, seconds: float = 1.0, rounds: int = 5) -> float:
    """Items per second of the best of `rounds` runs, each about `seconds` long."""
    calls = 1
    while True:  # calibrate the loop length
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start > 0.2:
            break
        calls *= 2
    calls = max(1, int(calls * seconds / 0.2))
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = max(best, calls * per_call / (time.perf_counter() - start))
    return best


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    engine = default_engine()
    interactive = [d for d in engine.registry if d.interactive]
    chosen = list(islice(cycle(interactive), COMPONENTS))
    task_json = msgspec.json.encode(
        {"name": "benchmark", "components": [{"type": d.name, "properties": d.example} for d in chosen]}
    )
    checked_task = engine.validate_task_json(task_json)
    assert checked_task.ok, checked_task.problems
    task = checked_task.value
    result_json = msgspec.json.encode({"components": [d.example_result for d in chosen]})

    # A server compiles a published job's tasks once and keeps them; so does the benchmark.
    compiled = engine.compile(task)
    plain_decoder = msgspec.json.Decoder(_plain(compiled.struct, {}))
    plain_decoder.decode(result_json)
    assert engine.validate_result_json(compiled, result_json).ok

    task_rate = _best_rate(lambda: engine.validate_task_json(task_json), 1)
    validated = _best_rate(lambda: engine.validate_result_json(compiled, result_json), COMPONENTS)
    plain_type = plain_decoder.type
    bare_call = _best_rate(lambda: msgspec.json.decode(result_json, type=plain_type), COMPONENTS)
    bare = _best_rate(lambda: plain_decoder.decode(result_json), COMPONENTS)
    ratio_call, ratio = bare_call / validated, bare / validated

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"msgspec {msgspec.__version__}; pinned to one core"
    )
    print(f"task of {COMPONENTS} components ({len(task_json)} bytes): {task_rate:,.0f} tasks decoded and validated/s")
    print(
        f"full result ({len(result_json)} bytes): {validated:,.0f} component results validated/s "
        f"(target >= {TARGET_RATE:,})"
    )
    print(f"bare msgspec.json.decode(data, type=...) into plain Structs: {bare_call:,.0f} component results/s")
    print(f"bare decode with a prebuilt msgspec.json.Decoder: {bare:,.0f} component results/s")
    print(
        f"validation costs {ratio_call:.2f}x msgspec.json.decode and {ratio:.2f}x a prebuilt Decoder "
        f"(target <= {TARGET_RATIO})"
    )
    ok = validated >= TARGET_RATE and ratio_call <= TARGET_RATIO
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
