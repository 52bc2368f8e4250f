"""Rate limits per client address, on a real `taskengine serve` reached from several loopback addresses.

Linux routes all of 127.0.0.0/8 to loopback, so a client bound to 127.0.0.2 is a different address to the
server: the per-address separation and the trust in X-Forwarded-For are checked as they happen in production.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from tests.factories import serving

TOKEN = "/worker/auth/token/request"


def from_address(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def attempt(client: httpx.Client, base: str, email: str, **headers: str) -> httpx.Response:
    return client.post(f"{base}{TOKEN}", json={"email": email, "password": "wrong password"}, headers=headers)


def test_addresses_are_counted_apart_and_only_trusted_proxies_name_the_client(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TASKENGINE_DATA_DIR": str(tmp_path),
        "TASKENGINE_DATABASE_URL": "",
        "TASKENGINE_RATE_LIMIT_TOKEN_PER_ADDRESS": "2/minute",
        "TASKENGINE_RATE_LIMIT_TOKEN_PER_ACCOUNT": "100/minute",
        "TASKENGINE_FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    with (
        serving(env=env) as served,
        from_address("127.0.0.1") as proxy,
        from_address("127.0.0.2") as second,
        from_address("127.0.0.3") as third,
    ):
        base = served.base
        assert [attempt(second, base, f"w{i}@example.com").status_code for i in range(2)] == [401, 401]
        refused = attempt(second, base, "w2@example.com")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.json()["code"] == 42900
        assert "from this address (127.0.0.2)" in refused.json()["description"]

        # Another address is not held back, and an X-Forwarded-For it sends is not believed.
        spoofed = {"X-Forwarded-For": "127.0.0.2"}
        assert attempt(third, base, "w3@example.com", **spoofed).status_code == 401
        assert attempt(third, base, "w4@example.com", **spoofed).status_code == 401
        assert "(127.0.0.3)" in attempt(third, base, "w5@example.com").json()["description"]

        # The trusted proxy speaks for its clients: each forwarded address has a count of its own.
        for client_address in ("198.51.100.7", "198.51.100.8"):
            forwarded = {"X-Forwarded-For": client_address}
            assert attempt(proxy, base, "p@example.com", **forwarded).status_code == 401
            assert attempt(proxy, base, "p@example.com", **forwarded).status_code == 401
            over = attempt(proxy, base, "p@example.com", **forwarded)
            assert over.status_code == 429 and f"({client_address})" in over.json()["description"]
