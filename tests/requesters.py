"""Requesters for API tests: created as an operator would, signed in through the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar.testing import TestClient

from taskengine.domain.accounts import create_requester, credit_requester

PASSWORD = "correct horse battery"
PUBLISHABLE = {"title": "A campaign", "description": "What the work is"}
"""What a campaign needs, beside pay and jobs, to be published."""


def make_requester(client: TestClient, email: str = "ada@example.com", credit: str = "0") -> dict[str, str]:  # type: ignore[type-arg]
    """Create a requester (and credit them), sign in, and return headers carrying their token."""
    db = client.app.state.db

    async def create() -> None:
        async with db.transaction() as session:
            await create_requester(session, email, PASSWORD, Decimal("0.20"))
            if Decimal(credit) > 0:
                await credit_requester(session, email, credit)

    client.blocking_portal.call(create)
    response = client.post("/auth/token/request", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-Auth-Token": response.json()["accessToken"]}


def rating_task(name: str = "Rate it") -> dict[str, Any]:
    return {
        "name": name,
        "components": [
            {"type": "Text", "properties": {"text": "How good is this picture?"}},
            {"type": "Image", "properties": {"url": "https://example.com/picture.jpg"}},
            {"type": "Rating", "properties": {"steps": 5}},
        ],
    }
