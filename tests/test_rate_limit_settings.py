"""Rate-limit settings and stores: validation naming the variable, Redis shared by processes, Redis down or absent.

Redis is optional: the Redis tests run against the server on 127.0.0.1:6379 when there is one and the `redis`
package is installed (`pip install 'taskengine[redis]'`), and are skipped otherwise.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from limits import parse
from limits.aio.storage import MemoryStorage
from litestar.testing import TestClient

from taskengine.api import create_app
from taskengine.api.ratelimits import RateLimiter, client_address
from taskengine.settings import SettingsError, load_settings
from tests.databases import sqlite_database
from tests.factories import free_port

REDIS = "redis://127.0.0.1:6379/0"
TOKEN = "/auth/token/request"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TASKENGINE_RATE_LIMIT_TOKEN_PER_ACCOUNT", "often"),
        ("TASKENGINE_RATE_LIMIT_TOKEN_PER_ADDRESS", "10/fortnight"),
        ("TASKENGINE_RATE_LIMIT_SIGNUP_PER_ACCOUNT", "0/minute"),
        ("TASKENGINE_RATE_LIMIT_SIGNUP_PER_ADDRESS", "-1/hour"),
        ("TASKENGINE_RATE_LIMIT_START_PER_ACCOUNT", "60/minute; lots"),
        ("TASKENGINE_RATE_LIMIT_START_PER_ADDRESS", "minute"),
        ("TASKENGINE_RATE_LIMIT_SUBMIT_PER_ACCOUNT", "1.5/minute"),
        ("TASKENGINE_RATE_LIMIT_SUBMIT_PER_ADDRESS", "x/second"),
        ("TASKENGINE_RATE_LIMIT_STORAGE_URL", "memcached://127.0.0.1:11211"),
        ("TASKENGINE_RATE_LIMITS", "sometimes"),
        ("TASKENGINE_FORWARDED_ALLOW_IPS", "127.0.0.1, the proxy"),
        ("TASKENGINE_PUBLIC_URL", "ftp://example.com"),
        ("TASKENGINE_PUBLIC_URL", "https://user:secret@example.com"),
        ("TASKENGINE_PUBLIC_URL", "https://example.com/a b"),
        ("TASKENGINE_ALLOW_PRIVATE_MEDIA_URLS", "perhaps"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: value})


def test_good_values_and_the_defaults() -> None:
    defaults = load_settings({})
    assert defaults.rate_limits and defaults.rate_limit_storage_url == ""
    assert defaults.rate_limit_token_per_account == "20/minute"
    assert not defaults.allow_private_media_urls
    settings = load_settings(
        {
            "TASKENGINE_RATE_LIMITS": "off",
            "TASKENGINE_RATE_LIMIT_TOKEN_PER_ACCOUNT": "5 per minute; 100 per day",
            "TASKENGINE_RATE_LIMIT_SUBMIT_PER_ADDRESS": "",
            "TASKENGINE_RATE_LIMIT_STORAGE_URL": "rediss://cache.example.com:6380/2",
            "TASKENGINE_FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.0.2.1,*",
            "TASKENGINE_ALLOW_PRIVATE_MEDIA_URLS": "true",
            "TASKENGINE_PUBLIC_URL": "https://tasks.example.com/engine/",
        }
    )
    assert not settings.rate_limits and settings.rate_limit_submit_per_address == ""
    assert settings.allow_private_media_urls and settings.base_url == "https://tasks.example.com/engine"


def test_client_addresses_key_ipv6_by_their_64_network() -> None:
    def key(host: str | None) -> str:
        return client_address(SimpleNamespace(client=SimpleNamespace(host=host) if host is not None else None))

    assert key("203.0.113.9") == "203.0.113.9"
    assert key("2001:db8:1:2:aaaa::1") == key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert key("2001:db8:1:3::1") != key("2001:db8:1:2::1")
    assert key("::ffff:203.0.113.9") == "203.0.113.9"
    assert key("testclient") == "testclient" and key(None) == "unknown"


def _redis_or_skip() -> None:
    pytest.importorskip("redis")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")


def test_processes_sharing_redis_share_their_counts(tmp_path: Path) -> None:
    _redis_or_skip()
    url = sqlite_database(str(tmp_path))
    settings = load_settings(
        {}, data_dir=tmp_path, database_url=url, rate_limit_storage_url=REDIS, rate_limit_token_per_account="2/minute"
    )
    email = f"{uuid.uuid4().hex}@example.com"  # the Redis server outlives the test: a key no run used before
    body = {"email": email, "password": "wrong password"}
    with TestClient(create_app(settings, sweeper=False)) as one, TestClient(create_app(settings, sweeper=False)) as two:
        assert one.post(TOKEN, json=body).status_code == 401
        assert two.post(TOKEN, json=body).status_code == 401
        for client in (one, two):
            refused = client.post(TOKEN, json=body)
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
            assert refused.json()["code"] == 42900


def test_an_unreachable_redis_limits_nothing_and_breaks_nothing(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    url = sqlite_database(str(tmp_path))
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    settings = load_settings(
        {}, data_dir=tmp_path, database_url=url, rate_limit_storage_url=nowhere, rate_limit_token_per_account="1/minute"
    )
    with TestClient(create_app(settings, sweeper=False)) as client:
        for _ in range(3):
            response = client.post(TOKEN, json={"email": "ada@example.com", "password": "wrong password"})
            assert response.status_code == 401, response.text


def test_a_redis_url_without_the_redis_package_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # as if `taskengine[redis]` were not installed
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(SettingsError, match=r"TASKENGINE_RATE_LIMIT_STORAGE_URL.*taskengine\[redis\]"):
        RateLimiter.from_settings(load_settings({}, rate_limit_storage_url=REDIS))


def test_without_rate_limits_there_is_no_limiter() -> None:
    assert RateLimiter.from_settings(load_settings({}, rate_limits=False)) is None
    memory = RateLimiter.from_settings(load_settings({}))
    assert memory is not None and memory.pool is None


@settings(max_examples=60)
@given(
    amount=st.integers(1, 6),
    gaps=st.lists(st.floats(0, 7, allow_nan=False).map(lambda g: round(g, 3)), min_size=1, max_size=25),
)
def test_retry_after_is_the_first_whole_second_that_lets_a_request_through(amount: int, gaps: list[float]) -> None:
    """On a clock we move by hand: wait Retry-After and the request passes; wait a second less and it does not."""
    clock = [1_000_000.0]

    async def run() -> None:
        limiter = RateLimiter(MemoryStorage(), {})
        item = parse(f"{amount}/5 seconds")
        keys = ("token", "account", "ada")
        for gap in gaps:
            clock[0] += gap
            if await limiter.strategy.hit(item, *keys):
                continue
            now, wait = clock[0], await limiter._wait(item, keys)
            clock[0] = now + wait - 1
            assert wait == 1 or not await limiter.strategy.test(item, *keys), (now, wait)
            clock[0] = now + wait
            assert await limiter.strategy.test(item, *keys), (now, wait)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: clock[0])
        asyncio.run(run())
