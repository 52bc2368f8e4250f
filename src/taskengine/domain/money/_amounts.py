"""Amounts of money: exact conversions between USD decimals and integer micro-dollars (10^-6 USD)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MICROS = 1_000_000
"""Micro-dollars in one US dollar."""

MAX_USD = 10**12
"""The largest amount accepted, in USD: far beyond any real campaign, and well inside a 64-bit column."""

MAX_MICROS = MAX_USD * MICROS


def to_micros(amount: Decimal | str | int) -> int:
    """The exact number of micro-dollars in `amount` USD; ValueError if it is not a number, negative,
    finer than a micro-dollar or above MAX_USD."""
    # bool is an int and float is inexact: neither is a reasonable way to say an amount of money.
    if isinstance(amount, bool) or not isinstance(amount, Decimal | str | int):
        raise TypeError(f"an amount must be a Decimal, str or int, not {type(amount).__name__}")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError(f"not a number: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"an amount must be a finite number, not {amount!r}")
    if value < 0:
        raise ValueError(f"an amount must not be negative: {amount!r}")
    if value > MAX_USD:
        raise ValueError(f"an amount must not exceed {MAX_USD} USD: {amount!r}")
    # Integer arithmetic on the decimal's digits, so no context precision can round anything away.
    _, digits, exponent = value.as_tuple()
    coefficient = int("".join(map(str, digits)))
    shift = int(exponent) + 6  # an int, as the value is finite
    if shift >= 0:
        scale: int = 10**shift
        return coefficient * scale
    # Trailing zeros beyond six places ("1.5000000") lose nothing and are accepted.
    if coefficient == 0:
        return 0
    # A nonzero coefficient is never a multiple of a power of ten longer than itself: no need to compute that power.
    if -shift > len(digits) or coefficient % (scale := 10**-shift):
        raise ValueError(f"an amount must have at most 6 decimal places: {amount!r}")
    return coefficient // scale


def from_micros(micros: int) -> Decimal:
    """`micros` as USD: two decimal places when that loses nothing ("42.00"), otherwise up to six ("0.002")."""
    if micros % 10_000 == 0:
        return Decimal(f"{micros // 10_000}e-2")
    exponent = -6
    while micros % 10 == 0:
        micros //= 10
        exponent += 1
    return Decimal(f"{micros}e{exponent}")


def format_usd(micros: int) -> str:
    """`micros` written as SWARMS writes money: "42.00 USD", "0.002 USD"."""
    return f"{from_micros(micros):f} USD"


def commission(micros: int, rate_ppm: int) -> int:
    """The commission on `micros` at `rate_ppm` parts per million, rounded half up to a whole micro-dollar."""
    if micros < 0 or rate_ppm < 0:
        raise ValueError(f"commission needs a non-negative amount and rate, not {micros} at {rate_ppm} ppm")
    return (micros * rate_ppm + MICROS // 2) // MICROS
