"""Amounts of money: exact conversions between USD decimals and integer micro-dollars (10^-6 USD)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import msgspec

MICROS = 1_000_000
"""Micro-dollars in one US dollar."""

MAX_USD = 10**12
"""The largest amount accepted, in USD: far beyond any real campaign, and well inside a 64-bit column."""

MAX_MICROS = MAX_USD * MICROS


MAX_AMOUNT_CHARS = 40
"""The longest amount accepted as text: 13 integer digits and 6 decimals leave room for generous zero padding.

Anything longer is refused before it is parsed, so a megabyte of digits costs nothing and never reaches a message.
"""


def _shown(amount: object) -> str:
    """`amount` as error messages quote it: its repr, cut short (a client may send a megabyte)."""
    if isinstance(amount, int) and amount.bit_length() > 128:  # printing a huge int costs time, and may refuse
        return f"an integer of {amount.bit_length()} bits"
    text = repr(amount)
    return text if len(text) <= MAX_AMOUNT_CHARS + 2 else text[:MAX_AMOUNT_CHARS] + "..."


def to_micros(amount: Decimal | str | int) -> int:
    """The exact number of micro-dollars in `amount` USD; ValueError if it is not a number, negative,
    finer than a micro-dollar or above MAX_USD.

    The cost is bounded whatever the input: text is at most MAX_AMOUNT_CHARS long, and no power of ten is
    ever computed from the exponent a client wrote ("0e10000000" once took seconds of the event loop).
    """
    # bool is an int and float is inexact: neither is a reasonable way to say an amount of money.
    if isinstance(amount, bool) or not isinstance(amount, Decimal | str | int):
        raise TypeError(f"an amount must be a Decimal, str or int, not {type(amount).__name__}")
    if isinstance(amount, int):
        # Compared as an int: a huge one must not be turned into a Decimal (or a string) first.
        if amount < 0:
            raise ValueError(f"an amount must not be negative: {_shown(amount)}")
        if amount > MAX_USD:
            raise ValueError(f"an amount must not exceed {MAX_USD} USD: {_shown(amount)}")
        return amount * MICROS
    if isinstance(amount, str) and len(amount) > MAX_AMOUNT_CHARS:
        raise ValueError(f"an amount must be at most {MAX_AMOUNT_CHARS} characters long, got {len(amount)}")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError(f"not a number: {_shown(amount)}") from None
    if not value.is_finite():
        raise ValueError(f"an amount must be a finite number, not {_shown(amount)}")
    if value < 0:
        raise ValueError(f"an amount must not be negative: {_shown(amount)}")
    if value > MAX_USD:
        raise ValueError(f"an amount must not exceed {MAX_USD} USD: {_shown(amount)}")
    # Zero may carry any exponent ("0e10000000"); it is zero micro-dollars whatever the exponent says.
    if value.is_zero():
        return 0
    # Integer arithmetic on the decimal's digits, so no context precision can round anything away.
    _, digits, exponent = value.as_tuple()
    exponent = int(exponent)  # an int, as the value is finite
    # Trailing zeros lose nothing ("1.5000000"): dropping them leaves at most 13 + 6 significant digits for
    # any amount that passes, so the coefficient and every power of ten below stay small.
    end = len(digits)
    while digits[end - 1] == 0:  # a nonzero value has a nonzero digit, so this stops
        end -= 1
    exponent += len(digits) - end
    if exponent < -6:
        raise ValueError(f"an amount must have at most 6 decimal places: {_shown(amount)}")
    # 0 < value <= MAX_USD bounds the exponent from above too: at most 12, so the shift is at most 18.
    coefficient = int("".join(map(str, digits[:end])))
    scale: int = 10 ** (exponent + 6)
    return coefficient * scale


def from_micros(micros: int) -> Decimal:
    """`micros` as USD: two decimal places when that loses nothing ("42.00"), otherwise up to six ("0.002")."""
    if micros % 10_000 == 0:
        return Decimal(f"{micros // 10_000}e-2")
    exponent = -6
    while micros % 10 == 0:
        micros //= 10
        exponent += 1
    return Decimal(f"{micros}e{exponent}")


def usd_number(micros: int) -> msgspec.Raw:
    """`micros` as an exact JSON number of USD (`0.25`, never a float's `0.25000000000000001`)."""
    return msgspec.Raw(str(from_micros(micros)).encode())


def format_usd(micros: int) -> str:
    """`micros` written as SWARMS writes money: "42.00 USD", "0.002 USD"."""
    return f"{from_micros(micros):f} USD"


def commission(micros: int, rate_ppm: int) -> int:
    """The commission on `micros` at `rate_ppm` parts per million, rounded half up to a whole micro-dollar."""
    if micros < 0 or rate_ppm < 0:
        raise ValueError(f"commission needs a non-negative amount and rate, not {micros} at {rate_ppm} ppm")
    return (micros * rate_ppm + MICROS // 2) // MICROS
