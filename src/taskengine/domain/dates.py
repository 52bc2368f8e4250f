"""Moments from clients, brought to the naive UTC that rows hold, with every failure a ValueError.

Every date a client sends (campaign dates, a soft rejection's `until`, `since`, list cursors, submission times)
passes through `naive_utc`: Python's datetime only spans the years 1 to 9999, so shifting an edge moment with a
zone (9999-12-31T23:59:59-14:00, 0001-01-01T00:00:00+14:00) to UTC overflows, and an OverflowError is a 500.
Mixing naive and zoned moments in one comparison raises TypeError, another 500; naive UTC everywhere avoids both.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["naive_utc"]


def naive_utc(moment: datetime) -> datetime:
    """`moment` in UTC without tzinfo (a moment without a zone is UTC already); ValueError if UTC cannot hold it."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValueError(
            f"{moment.isoformat()} lies outside the years 1 to 9999 once shifted to UTC; send a date within them"
        ) from None
