"""Requester accounts: creation and crediting by operators, sign-in, and the profile."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import Meta
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Requester
from taskengine.domain.accounts._credentials import canonical_email, new_credentials, normalise_email
from taskengine.domain.money import credit, format_usd, to_micros, usd_number
from taskengine.engine import OptionalText, describe_pattern
from taskengine.errors import DomainError, ErrorCode

PPM = 1_000_000


class Balance(msgspec.Struct):
    available: str
    frozen: str


class LedgerTotals(msgspec.Struct, rename="camel", kw_only=True):
    """The requester's five ledger accounts in USD, exact; available + frozen + paidOut + fees == credited."""

    available: msgspec.Raw
    frozen: msgspec.Raw
    paid_out: msgspec.Raw
    fees: msgspec.Raw
    credited: msgspec.Raw


class Profile(msgspec.Struct, rename="camel", kw_only=True):
    """The requester's profile as SWARMS shows it (GET /me), with the ledger's totals beside the balance."""

    first_name: str
    last_name: str
    phone: str
    organization: str
    website: str
    id: int
    customer_id: str
    balance: Balance
    email: str
    logo: str
    commission_rate: float
    charity: bool
    ledger: LedgerTotals


Short = Annotated[str, Meta(max_length=100)]
LogoUrl = Annotated[
    str,
    Meta(
        max_length=2048,
        pattern=describe_pattern(
            r"^(https?://[^\s/?#]+[^\s]*)?$", "must be an http:// or https:// URL, or empty to remove the logo"
        ),
    ),
]


class ProfileUpdate(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """The editable part of the profile (PUT /me); omitted fields stay as they are."""

    first_name: Short | msgspec.UnsetType = msgspec.UNSET
    last_name: Short | msgspec.UnsetType = msgspec.UNSET
    phone: Annotated[str, Meta(max_length=40, pattern=r"^[0-9+()./ -]*$")] | msgspec.UnsetType = msgspec.UNSET
    organization: OptionalText | msgspec.UnsetType = msgspec.UNSET
    website: Annotated[str, Meta(max_length=2048)] | msgspec.UnsetType = msgspec.UNSET
    logo: LogoUrl | msgspec.UnsetType = msgspec.UNSET


READ_ONLY_PROFILE_FIELDS = ("id", "customerId", "balance", "email", "commissionRate", "charity", "ledger")


def profile_of(requester: Requester) -> Profile:
    assert requester.id is not None
    return Profile(
        first_name=requester.first_name,
        last_name=requester.last_name,
        phone=requester.phone,
        organization=requester.organization,
        website=requester.website,
        id=requester.id,
        customer_id=requester.customer_id,
        balance=Balance(available=format_usd(requester.available), frozen=format_usd(requester.frozen)),
        email=requester.email,
        logo=requester.logo,
        commission_rate=requester.commission_rate_ppm / PPM,
        charity=requester.charity,
        ledger=LedgerTotals(
            available=usd_number(requester.available),
            frozen=usd_number(requester.frozen),
            paid_out=usd_number(requester.paid_out),
            fees=usd_number(requester.fees),
            credited=usd_number(requester.credited),
        ),
    )


async def create_requester(session: AsyncSession, email: str, password: str, commission_rate: Decimal) -> Requester:
    """A new requester (operators only: SWARMS has no self-signup)."""
    email, password_hash = await new_credentials(session, Requester, "requester", email, password)
    requester = Requester(
        email=email,
        password_hash=password_hash,
        customer_id=secrets.token_hex(4).upper(),
        commission_rate_ppm=int(commission_rate * PPM),
    )
    session.add(requester)
    await session.flush()
    return requester


async def requester_by_email(session: AsyncSession, email: str) -> Requester:
    requester = (await session.exec(select(Requester).where(Requester.email == normalise_email(email)))).first()
    if requester is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no requester with email {canonical_email(email)}")
    return requester


async def credit_requester(session: AsyncSession, email: str, amount: Decimal | str) -> Requester:
    """Add `amount` USD to a requester's available balance (operators only)."""
    requester = await requester_by_email(session, email)
    try:
        micros = to_micros(amount)
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID_BODY, f"amount: {exc}") from None
    if micros <= 0:
        raise DomainError(ErrorCode.INVALID_BODY, "amount: must be greater than 0")
    assert requester.id is not None
    await credit(session, requester.id, micros)
    await session.refresh(requester)
    return requester


async def get_requester(session: AsyncSession, requester_id: int) -> Requester:
    requester = await session.get(Requester, requester_id)
    if requester is None:  # the token outlived its account
        raise DomainError(ErrorCode.UNAUTHORIZED, "the account of this token no longer exists")
    return requester


async def update_profile(session: AsyncSession, requester_id: int, changes: ProfileUpdate) -> Requester:
    requester = await get_requester(session, requester_id)
    for field in msgspec.structs.fields(changes):
        value = getattr(changes, field.name)
        if value is not msgspec.UNSET:
            setattr(requester, field.name, value)
    session.add(requester)
    await session.flush()
    return requester
