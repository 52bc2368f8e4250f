"""Durations ("10 min", "4 hours") and dates ("2018-01-01T10:00") as SWARMS writes them."""

from __future__ import annotations

import re
from datetime import datetime

from taskengine.domain.dates import naive_utc

MAX_DURATION_CHARS = 40
"""Longer duration texts are refused unparsed: "9999999 seconds" needs 15 characters."""
_DURATION = re.compile(r"^\s*(\d{1,7})\s*([a-z]+)\s*$")
_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86_400, "day": 86_400, "days": 86_400,
}  # fmt: skip
_NAMES = ((86_400, "day", "days"), (3600, "hour", "hours"), (60, "min", "min"), (1, "sec", "sec"))


def parse_duration(text: str) -> int:
    """Seconds in "<whole number> <unit>" (sec, min, hours, days and their usual spellings); ValueError otherwise."""
    # Bounded before any regex or lowering runs, whoever calls (the wire schema bounds it too).
    if len(text) > MAX_DURATION_CHARS:
        raise ValueError(f"a duration is at most {MAX_DURATION_CHARS} characters long, like '10 min' or '4 hours'")
    match = _DURATION.match(text.lower())
    if not match or match[2] not in _UNITS:
        raise ValueError(f"{text[:40]!r} is not a duration like '10 sec', '15 min', '4 hours' or '3 days'")
    return int(match[1]) * _UNITS[match[2]]


def format_duration(seconds: int) -> str:
    """The largest whole unit: 600 → "10 min", 14400 → "4 hours", 1 → "1 sec"."""
    for size, one, many in _NAMES:
        if seconds % size == 0 and (seconds >= size or size == 1):
            count = seconds // size
            return f"{count} {one if count == 1 else many}"
    raise AssertionError("unreachable: every whole number of seconds is a whole number of seconds")


def parse_date(text: str) -> datetime:
    """A naive UTC datetime from ISO-8601 (seconds optional; no zone means UTC); ValueError otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not a date like 2018-03-14T03:14 or 2018-03-14T03:14:00Z") from None
    return naive_utc(moment)
