"""Rate limits on the requests worth guessing or flooding: token requests, sign-ups, job starts and submissions.

Each is limited per account and per client address. The account is only known inside the handler (the email of
a token request is in its body, the worker behind a start is known once the token is checked), so handlers call
`enforce` once they know it, rather than a middleware keyed on the path. Counting is the `limits` package's
sliding window counter: a few bytes per key, no burst of twice the rate at a window's edge, and the same on
the per-process memory store and on Redis (shared by every process when TASKENGINE_RATE_LIMIT_STORAGE_URL names
one).
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, SlidingWindowCounterSupport, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import ConfigurationError, StorageError
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, OpenAPIType, Operation, Schema

from taskengine.domain.accounts import canonical_email
from taskengine.errors import DomainError, ErrorBody, ErrorCode
from taskengine.settings import Settings, SettingsError

log = logging.getLogger("taskengine.ratelimits")

ACTIONS = {
    # action: (what the 429 calls it, what an account is, the settings' middle name)
    "token": ("token requests", "account", "token"),
    "signup": ("sign-ups", "email", "signup"),
    "start": ("job starts", "worker", "start"),
    "submit": ("result submissions", "worker", "submit"),
}


@dataclass(frozen=True)
class Limits:
    """The limits of one action, per account and per client address."""

    per_account: tuple[RateLimitItem, ...]
    per_address: tuple[RateLimitItem, ...]


def _limits_of(settings: Settings, name: str) -> Limits:
    def parsed(kind: str) -> tuple[RateLimitItem, ...]:
        text = getattr(settings, f"rate_limit_{name}_per_{kind}")
        return tuple(parse_many(text)) if text else ()

    return Limits(parsed("account"), parsed("address"))


def client_address(request: Any) -> str:
    """The key of the client's address: the address itself, or its /64 network for IPv6.

    One IPv6 device commonly holds a whole /64 and picks addresses from it at will, so limiting single IPv6
    addresses would limit nothing. The address is the one uvicorn reports, X-Forwarded-For applied only for the
    proxies in TASKENGINE_FORWARDED_ALLOW_IPS.
    """
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass
class RateLimiter:
    """The limits of a service and the store that counts them."""

    storage: Storage
    limits: dict[str, Limits]
    pool: Any = None
    """The Redis connection pool, when the store is Redis: closed with the app."""
    strategy: SlidingWindowCounterRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter | None:
        """The limiter the settings ask for; None when rate limits are off."""
        if not settings.rate_limits:
            return None
        limits = {action: _limits_of(settings, name) for action, (_, _, name) in ACTIONS.items()}
        url = settings.rate_limit_storage_url
        if not url or url.startswith("memory:"):
            return cls(MemoryStorage(), limits)
        storage, pool = _redis_storage(url)
        return cls(storage, limits, pool)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.disconnect()

    async def enforce(self, action: str, address: str, account: str | int | None, within: str = "") -> None:
        """Count one request; DomainError 429 with Retry-After if the address or the account is over its limit.

        An email is counted however it is spelled (as accounts look it up); `within` keeps apart accounts of
        different kinds that share an email (a requester and a worker).
        """
        what, account_kind, _ = ACTIONS[action]
        limits = self.limits[action]
        checks = [(limits.per_address, "address", address, f"from this address ({address})")]
        if account is not None:
            key = canonical_email(account) if isinstance(account, str) else str(account)
            checks.append((limits.per_account, account_kind, f"{within}:{key}", f"for this {account_kind}"))
        for items, kind, key, whose in checks:
            try:
                wait = await self._consume(items, (action, kind, key))
            except StorageError:  # a store that is down must not take the service with it
                log.warning("rate limit store unavailable; %s not limited", action, exc_info=True)
                return
            if wait is not None:
                raise DomainError(
                    ErrorCode.TOO_MANY_REQUESTS,
                    f"too many {what} {whose}; try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )

    async def _consume(self, items: tuple[RateLimitItem, ...], keys: tuple[str, ...]) -> int | None:
        """Seconds to wait if any of `items` is used up (nothing is counted then), otherwise count the request."""
        for item in items:
            if not await self.strategy.test(item, *keys):
                return await self._wait(item, keys)
        for item in items:
            if not await self.strategy.hit(item, *keys):  # another request took the last place meanwhile
                return await self._wait(item, keys)
        return None

    async def _wait(self, item: RateLimitItem, keys: tuple[str, ...]) -> int:
        """Whole seconds until the window lets one more request through: the Retry-After.

        Not `get_window_stats`' reset time, which is when the current window ends, although its count may then
        still weigh too much. The sliding window counter refuses while floor(previous * left / window) +
        current ≥ limit, `left` being what remains of the current window; solve that for the time to wait.
        """
        window, limit = item.get_expiry(), item.amount
        storage: SlidingWindowCounterSupport = self.storage  # type: ignore[assignment]
        previous, previous_ttl, current, current_ttl = await storage.get_sliding_window(item.key_for(*keys), window)
        left = previous_ttl if previous else max(0.0, current_ttl - window)
        if current < limit and previous:
            wait = left - (limit - current) * window / previous  # the previous window's share falls far enough
        else:
            wait = left + window * (1 - limit / max(current, 1))  # then the current window's, once it is previous
        return max(1, math.ceil(wait + 0.001))  # at exactly `wait` the count is still at the limit: round past it


def _redis_storage(url: str) -> tuple[Storage, Any]:
    """A Redis store for `url` (redis://, rediss://, redis+unix://) and its pool; redis is an optional dependency."""
    try:
        import redis.asyncio
    except ImportError:
        raise SettingsError(
            "TASKENGINE_RATE_LIMIT_STORAGE_URL names Redis, which needs the redis package: "
            "pip install 'taskengine[redis]'"
        ) from None
    from limits.aio.storage import RedisStorage

    client_url = url.replace("redis+unix://", "unix://", 1)
    pool = redis.asyncio.ConnectionPool.from_url(client_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix="taskengine",
            wrap_exceptions=True,
            # Our pool, so the app can close it; limits passes it to redis, though it types options as scalars.
            connection_pool=pool,  # type: ignore[arg-type]
        )
    except ConfigurationError as exc:
        raise SettingsError(f"TASKENGINE_RATE_LIMIT_STORAGE_URL cannot be used: {exc}") from None
    return storage, pool


async def enforce(request: Any, action: str, account: str | int | None = None, *, within: str = "") -> None:
    """Apply `action`'s limits to this request (nothing when the service runs without rate limits)."""
    limiter: RateLimiter | None = request.app.state.rate_limiter
    if limiter is not None:
        await limiter.enforce(action, client_address(request), account, within)


# -- OpenAPI ---------------------------------------------------------------------------------------------------

TOO_MANY = {
    429: ResponseSpec(
        ErrorBody,
        description="Too many requests (code 42900) for this account or from this client address; the "
        "Retry-After header gives the seconds to wait. Limits are set by TASKENGINE_RATE_LIMIT_* settings.",
        generate_examples=False,
    )
}
"""The 429 a rate-limited route documents."""


@dataclass
class RateLimitedOperation(Operation):
    """An operation whose 429 response documents its Retry-After header (ResponseSpec has no headers)."""

    def __post_init__(self) -> None:
        response = (self.responses or {}).get("429")
        if isinstance(response, OpenAPIResponse):
            response.headers = {
                "Retry-After": OpenAPIHeader(
                    schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
                    description="seconds to wait before trying again",
                )
            }


"""Keyword arguments for a rate-limited route's decorator."""
