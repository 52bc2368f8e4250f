"""Lists of a requester's objects: order, full-word search and keyset paging, the same for every resource."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import and_, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import MAX_ID
from taskengine.domain.dates import naive_utc
from taskengine.engine import Problem, parse_json
from taskengine.errors import DomainError, ErrorCode

ORDER_FIELDS = {"id": "id", "name": "name", "createdAt": "created_at", "lastModifiedAt": "last_modified_at"}
MAX_SEARCH_WORDS = 10
_WORD = re.compile(r"\w+")


def search_text(*parts: str) -> str:
    """The words of `parts`, lower-cased and space-delimited at both ends so `LIKE '% word %'` finds whole words."""
    words = _WORD.findall(" ".join(parts).lower())
    return f" {' '.join(words)} " if words else ""


class ListQuery(msgspec.Struct, frozen=True, kw_only=True):
    """What a list request asks for: `order` keys (a leading '-' sorts descending), `limit`, `search`, a cursor."""

    order: tuple[str, ...] = ("id",)
    limit: int = 10
    search: str = ""
    after: str | None = None
    before: str | None = None
    archived: bool = False


class Page(msgspec.Struct, frozen=True):
    """One page of rows, with the cursors of the pages beside it (None at either end)."""

    rows: list[Any]
    next: str | None
    previous: str | None


def _encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(msgspec.json.encode(plain)).decode().rstrip("=")


def _cursor_value(value: Any, column: Any) -> Any:
    """A cursor value back in the type of its column, or ValueError: cursors come from clients."""
    if column.key == "id" or column.key.endswith("_id"):
        if type(value) is not int or not 0 < value <= MAX_ID:
            raise ValueError
        return value
    if column.key == "name":
        if not isinstance(value, str):
            raise ValueError
        return value
    if not isinstance(value, str):
        raise ValueError
    # Rows hold naive UTC; a zoned time (from a hand-made cursor) must be compared as such.
    return naive_utc(datetime.fromisoformat(value))


def _decode_cursor(cursor: str, columns: Sequence[Any], parameter: str) -> list[Any]:
    try:
        # The guards of a request body apply: a hand-made cursor may hold NUL, huge integers or deep nesting.
        values = parse_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError
        return [_cursor_value(v, col) for v, col in zip(values, columns, strict=True)]
    except (ValueError, TypeError, msgspec.DecodeError, binascii.Error):
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            f"{parameter}: not a cursor from this list; follow the _links of a previous page",
            [Problem(parameter, "is not a valid cursor", "cursor")],
        ) from None


def _order_keys(model: Any, order: Sequence[str]) -> list[tuple[Any, bool]]:
    keys: list[tuple[Any, bool]] = []
    for item in order:
        descending = item.startswith("-")
        name = item[1:] if descending else item
        if name not in ORDER_FIELDS:
            choices = ", ".join(ORDER_FIELDS)
            raise DomainError(
                ErrorCode.INVALID_PARAMETER,
                f"order: {name[:40]!r} is not one of {choices} (prefix '-' for descending)",
                [Problem("order", f"must be one of {choices}, optionally prefixed with '-'", "one-of")],
            )
        keys.append((getattr(model, ORDER_FIELDS[name]), descending))
    if not any(column.key == "id" for column, _ in keys):
        keys.append((model.id, keys[-1][1] if keys else False))  # the id makes every position unique
    return keys


def page_direction(query: ListQuery) -> tuple[bool, str | None]:
    """(whether the page runs forward, its cursor); 400 for both cursors at once."""
    if query.after and query.before:
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            "send either after or before, not both",
            [Problem("before", "must not be sent with after", "exclusive")],
        )
    return query.before is None, query.after or query.before


def _beyond(keys: Sequence[tuple[Any, bool]], values: Sequence[Any], forward: bool) -> Any:
    """Rows strictly after (or before) `values` in the order of `keys`: the keyset condition."""
    alternatives = []
    for i, (column, descending) in enumerate(keys):
        later = (column < values[i]) if descending == forward else (column > values[i])
        equal = [keys[j][0] == values[j] for j in range(i)]
        alternatives.append(and_(*equal, later))
    return or_(*alternatives)


async def list_page(session: AsyncSession, model: Any, owner_id: int, query: ListQuery) -> Page:
    """A page of `model` rows owned by `owner_id`, as `query` asks."""
    forward, cursor = page_direction(query)
    words = _WORD.findall(query.search.lower())
    if len(words) > MAX_SEARCH_WORDS:
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            f"search: at most {MAX_SEARCH_WORDS} words",
            [Problem("search", f"must have at most {MAX_SEARCH_WORDS} words", "too-many")],
        )
    keys = _order_keys(model, query.order)
    columns = [column for column, _ in keys]
    statement = select(model).where(model.owner_id == owner_id)
    if not query.archived:
        statement = statement.where(model.archived == False)  # noqa: E712 - SQL, not Python truth
    for word in words:
        # '_' is a word character to the regex and a wildcard to LIKE.
        statement = statement.where(model.search_text.like(f"% {word.replace('_', '!_')} %", escape="!"))
    if cursor:
        values = _decode_cursor(cursor, columns, "after" if forward else "before")
        statement = statement.where(_beyond(keys, values, forward))
    ordering = [column.desc() if descending == forward else column.asc() for column, descending in keys]
    rows = list((await session.exec(statement.order_by(*ordering).limit(query.limit + 1))).all())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if not forward:
        rows.reverse()

    def cursor_of(row: Any) -> str:
        return _encode_cursor([getattr(row, column.key) for column in columns])

    has_next = more if forward else True
    has_previous = bool(query.after) if forward else more
    return Page(
        rows=rows,
        next=cursor_of(rows[-1]) if rows and has_next else None,
        previous=cursor_of(rows[0]) if rows and has_previous else None,
    )


async def column_page(
    session: AsyncSession,
    statement: Any,
    column: Any,
    query: ListQuery,
    *,
    descending: bool = False,
    key: Callable[[Any], int] | None = None,
) -> Page:
    """A page of `statement`'s rows ordered by one integer `column` unique per row (an id), paged by `query`'s
    limit and cursors: lists with a fixed order (results, workers of a campaign) page like every other."""
    forward, cursor = page_direction(query)
    if cursor:
        (value,) = _decode_cursor(cursor, [column], "after" if forward else "before")
        statement = statement.where(column < value if descending == forward else column > value)
    ordering = column.desc() if descending == forward else column.asc()
    rows = list((await session.exec(statement.order_by(ordering).limit(query.limit + 1))).all())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if not forward:
        rows.reverse()
    value_of = key or (lambda row: getattr(row, column.key))
    has_next, has_previous = (more, bool(query.after)) if forward else (True, more)
    return Page(
        rows=rows,
        next=_encode_cursor([value_of(rows[-1])]) if rows and has_next else None,
        previous=_encode_cursor([value_of(rows[0])]) if rows and has_previous else None,
    )
