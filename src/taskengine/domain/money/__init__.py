"""Money: exact amounts in micro-dollars and the ledger that moves them between a requester's accounts."""

from __future__ import annotations

from taskengine.domain.money._amounts import (
    MAX_AMOUNT_CHARS,
    MAX_MICROS,
    MAX_USD,
    MICROS,
    commission,
    format_usd,
    from_micros,
    to_micros,
    usd_number,
)
from taskengine.domain.money._ledger import (
    Account,
    InsufficientFunds,
    check_invariant,
    credit,
    freeze,
    lock_requester,
    pay,
    release,
)

__all__ = [
    "MAX_AMOUNT_CHARS",
    "MAX_MICROS",
    "MAX_USD",
    "MICROS",
    "Account",
    "InsufficientFunds",
    "check_invariant",
    "commission",
    "credit",
    "format_usd",
    "freeze",
    "from_micros",
    "lock_requester",
    "pay",
    "release",
    "to_micros",
    "usd_number",
]
