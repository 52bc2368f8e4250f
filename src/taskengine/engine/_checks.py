"""Small checks that several component rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from taskengine.engine._problems import Problem

_SCHEMES = ("https://", "http://")


def media_url_problems(url: str, extension: str, field: str = "url") -> list[Problem]:
    """Problems of a media result URL: http(s), a host, no spaces or control characters, a path ending in `extension`.

    String tests rather than a regex or urlsplit: this runs once per answer on the hot path.
    """
    if url.startswith(_SCHEMES) and " " not in url and url.isprintable():
        rest = url.partition("://")[2]
        path = rest.partition("?")[0].partition("#")[0]
        if rest[:1] not in ("", "/", "?", "#") and path.lower().endswith(extension):
            return []
    message = f"must be an http:// or https:// URL of a {extension} file, without spaces"
    return [Problem(field, message, f"url-is-{extension.lstrip('.')}")]


def media_url_rule(extension: str) -> Callable[[Any, Any], Sequence[Problem]]:
    """A result rule, named `url-is-<extension>`: the result's `url` is a media URL ending in `extension`."""

    def check(_: Any, result: Any) -> Sequence[Problem]:
        url = result.url
        # The usual URL (lower-case extension, no query or fragment) passes on a few string tests; the rest, and
        # every failure, go through the full check. url[7 or 8] exists: the scheme and the extension are both there.
        if (
            url.endswith(extension)
            and url.startswith(_SCHEMES)
            and not (" " in url or "?" in url or "#" in url)
            and url[8 if url[4] == "s" else 7] != "/"
            and url.isprintable()
        ):
            return ()
        return media_url_problems(url, extension)

    return check


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def below(low: str, high: str, rule: str) -> Callable[[Any], list[Problem]]:
    """An attribute rule named `rule`: attribute `low` is less than `high` (Python names; problems use wire names)."""

    def check(attributes: Any) -> list[Problem]:
        floor, ceiling = getattr(attributes, low), getattr(attributes, high)
        if floor < ceiling:
            return []
        return [Problem(_camel(high), f"must be greater than {_camel(low)} ({floor:g})", rule)]

    return check


def duplicates(field: str, values: list[str], rule: str, key: Callable[[str], str] = str) -> Iterator[Problem]:
    """A problem of `rule` at `field[i]` for each value equal (under `key`) to an earlier one."""
    first: dict[str, int] = {}
    for i, value in enumerate(values):
        k = key(value)
        if k in first:
            yield Problem(f"{field}[{i}]", f"duplicates {field}[{first[k]}] ({values[first[k]]!r})", rule)
        else:
            first[k] = i
