"""Small checks that several component rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from taskengine.engine._problems import Problem


def url_has_extension(url: str, extension: str) -> bool:
    """Whether the path of `url` (not its query or fragment) ends with `extension`, ignoring case."""
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. a malformed IPv6 host: no path can be trusted
        return False
    return path.lower().endswith(extension.lower())


def duplicates(field: str, values: list[str], key: Callable[[str], str] = str) -> Iterator[Problem]:
    """A problem at `field[i]` for each value equal (under `key`) to an earlier one."""
    first: dict[str, int] = {}
    for i, value in enumerate(values):
        k = key(value)
        if k in first:
            yield Problem(f"{field}[{i}]", f"duplicates {field}[{first[k]}] ({values[first[k]]!r})")
        else:
            first[k] = i
