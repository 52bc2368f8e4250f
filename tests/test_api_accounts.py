"""Signing in, auth tokens on every protected route, the profile (SWARMS "Auth Token" and "Profile"), and the
operator's `taskengine requesters` commands."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text, update

from taskengine.api import create_app
from taskengine.cli import main as cli_main
from taskengine.db.models import AuthToken, utcnow
from taskengine.errors import ErrorCode
from taskengine.settings import load_settings
from tests.requesters import PASSWORD, make_requester, rating_task
from tests.test_api_components import assert_error

Client = TestClient  # type: ignore[type-arg]
TASKENGINE = str(Path(sys.executable).with_name("taskengine"))
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
USD = re.compile(r"^\d+\.\d{2,6} USD$")
PROFILE_KEYS = [
    "firstName",
    "lastName",
    "phone",
    "organization",
    "website",
    "id",
    "customerId",
    "balance",
    "email",
    "logo",
    "commissionRate",
    "charity",
    "ledger",
]
EDITABLE = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "phone": "+44 (20) 7946-0958",
    "organization": "Analytical Engines Ltd",
    "website": "www.example.com",
    "logo": "https://logo.example.com/ada.png",
}
READ_ONLY = {
    "id": 99,
    "customerId": "ABCDEF12",
    "balance": {"available": "1000.00 USD", "frozen": "0.00 USD"},
    "email": "eve@example.com",
    "commissionRate": 0.0,
    "charity": True,
    "ledger": {"available": 1000, "frozen": 0, "paidOut": 0, "fees": 0, "credited": 1000},
}
# Routes anyone may call; every other route must refuse a request without a valid X-Auth-Token.
PUBLIC_PREFIXES = (
    "/health",
    "/components",
    "/schemas",
    "/schema",
    "/auth/token/request",
    "/media/",
    "/worker/signup",
    "/worker/auth/token/request",
)


def sign_in(api: Client, email: str = "ada@example.com", password: str = PASSWORD) -> Any:
    return api.post("/auth/token/request", json={"email": email, "password": password})


def token_of(headers: dict[str, str]) -> str:
    return headers["X-Auth-Token"]


def set_token_expiry(api: Client, token: str, moment: datetime) -> None:
    digest = hashlib.sha256(token.encode()).hexdigest()

    async def run() -> None:
        async with api.app.state.db.transaction() as session:
            await session.exec(update(AuthToken).where(AuthToken.token_hash == digest).values(expires_at=moment))  # type: ignore[call-overload]

    api.blocking_portal.call(run)


def auth_token_rows(api: Client) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with api.app.state.db.engine.connect() as connection:
            result = await connection.execute(text("SELECT * FROM auth_tokens"))
            return [dict(row._mapping) for row in result]

    return api.blocking_portal.call(run)


def protected_routes(api: Client) -> list[tuple[str, str]]:
    """Every (method, path) of the app except the public ones, path parameters filled with 1."""
    routes = []
    for route in api.app.routes:
        if route.path.startswith(PUBLIC_PREFIXES):
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        routes.extend((method, path) for method in sorted(route.methods) if method not in ("HEAD", "OPTIONS"))
    return routes


def call_every_protected_route(api: Client, headers: dict[str, str]) -> list[tuple[str, str, Any]]:
    """(method, path, response) for every protected route, sent with `headers` and a harmless JSON body."""
    answers = []
    for method, path in protected_routes(api):
        body = {"content": b"{}", "headers": {**headers, "Content-Type": "application/json"}}
        kwargs = body if method in ("POST", "PUT") else {"headers": headers}
        answers.append((method, path, api.request(method, path, **kwargs)))
    return answers


def assert_all_refused(answers: list[tuple[str, str, Any]], fragment: str) -> None:
    wrong = [
        (method, path, response.status_code, response.text)
        for method, path, response in answers
        if response.status_code != 401
        or response.json().get("code") != ErrorCode.UNAUTHORIZED.code
        or fragment not in response.json().get("description", "")
    ]
    assert not wrong, wrong


# Signing in ---------------------------------------------------------------------------------------------------------


def test_right_credentials_give_a_token_that_expires_in_the_future(api: Client) -> None:
    make_requester(api)
    before = datetime.now(UTC)
    response = sign_in(api)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"accessToken", "expiresAt", "userId"}
    assert isinstance(body["accessToken"], str) and len(body["accessToken"]) >= 32
    assert ISO_Z.match(body["expiresAt"]), body["expiresAt"]
    expires = datetime.fromisoformat(body["expiresAt"])
    ttl = timedelta(seconds=api.app.state.settings.token_ttl_seconds)
    assert before + ttl - timedelta(minutes=2) < expires < datetime.now(UTC) + ttl + timedelta(minutes=2)
    me = api.get("/me", headers={"X-Auth-Token": body["accessToken"]})
    assert me.status_code == 200 and me.json()["id"] == body["userId"]


def test_email_is_matched_without_regard_to_case_and_spaces(api: Client) -> None:
    make_requester(api)
    response = sign_in(api, email="  ADA@Example.COM ")
    assert response.status_code == 200, response.text


def test_each_sign_in_gives_a_new_independent_token(api: Client) -> None:
    first = make_requester(api)
    second = {"X-Auth-Token": sign_in(api).json()["accessToken"]}
    assert token_of(first) != token_of(second)
    assert api.post("/auth/token/discard", headers=first).status_code == 204
    assert api.get("/me", headers=second).status_code == 200
    assert api.get("/me", headers=first).status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_401(api: Client) -> None:
    make_requester(api)
    wrong_password = sign_in(api, password="not the password")
    unknown_email = sign_in(api, email="nobody@example.com")
    body = assert_error(wrong_password, 401, ErrorCode.UNAUTHORIZED)
    assert unknown_email.status_code == 401
    assert unknown_email.json() == body
    assert "email or password" in body["description"]


MALFORMED_CREDENTIALS: list[tuple[Any, set[str]]] = [
    ({"email": "ada@example.com"}, {"password"}),
    ({"password": PASSWORD}, {"email"}),
    ({}, {"email", "password"}),
    ({"email": 5, "password": None}, {"email", "password"}),
    ({"email": "", "password": ""}, {"email", "password"}),
    ({"email": "ada@example.com", "password": PASSWORD, "remember": True}, {"remember"}),
    ([], {""}),
    ("ada@example.com", {""}),
]


def test_malformed_credentials_are_422_naming_the_fields(api: Client) -> None:
    make_requester(api)
    for body, paths in MALFORMED_CREDENTIALS:
        response = assert_error(api.post("/auth/token/request", json=body), 422, ErrorCode.INVALID_BODY)
        assert {problem["path"] for problem in response["problems"]} == paths, body
        assert all(problem["message"] for problem in response["problems"]), body


def test_credentials_that_are_not_json_are_400(api: Client) -> None:
    response = api.post("/auth/token/request", content=b'{"email": ', headers={"Content-Type": "application/json"})
    assert_error(response, 400, ErrorCode.INVALID_JSON)


# Tokens on every protected route ------------------------------------------------------------------------------------


def test_every_protected_route_needs_the_header(api: Client) -> None:
    routes = protected_routes(api)
    assert len(routes) >= 30
    assert {("GET", "/me"), ("PUT", "/me"), ("GET", "/tasks"), ("POST", "/jobs"), ("POST", "/auth/token/discard")} <= {
        *routes
    }
    assert_all_refused(call_every_protected_route(api, {}), "X-Auth-Token header")


def test_every_protected_route_refuses_an_unknown_token(api: Client) -> None:
    make_requester(api)
    assert_all_refused(call_every_protected_route(api, {"X-Auth-Token": "no-such-token"}), "not valid")


def test_every_protected_route_refuses_a_discarded_token(api: Client) -> None:
    headers = make_requester(api)
    assert api.get("/me", headers=headers).status_code == 200
    discarded = api.post("/auth/token/discard", headers=headers)
    assert discarded.status_code == 204 and discarded.content == b""
    assert_all_refused(call_every_protected_route(api, headers), "discarded")


def test_every_protected_route_refuses_an_expired_token(api: Client) -> None:
    headers = make_requester(api)
    set_token_expiry(api, token_of(headers), utcnow() - timedelta(seconds=1))
    assert_all_refused(call_every_protected_route(api, headers), "expired")


def test_a_token_works_until_it_expires(api: Client) -> None:
    headers = make_requester(api)
    set_token_expiry(api, token_of(headers), utcnow() + timedelta(minutes=5))
    assert api.get("/me", headers=headers).status_code == 200
    set_token_expiry(api, token_of(headers), utcnow() - timedelta(minutes=5))
    body = assert_error(api.get("/me", headers=headers), 401, ErrorCode.UNAUTHORIZED)
    assert "expired" in body["description"] and "request a new one" in body["description"]


def test_a_discarded_token_stays_discarded_and_others_are_unaffected(api: Client) -> None:
    ada = make_requester(api)
    bob = make_requester(api, email="bob@example.com")
    assert api.post("/auth/token/discard", headers=ada).status_code == 204
    assert (
        "discarded"
        in assert_error(api.post("/auth/token/discard", headers=ada), 401, ErrorCode.UNAUTHORIZED)["description"]
    )
    assert api.get("/me", headers=bob).status_code == 200
    fresh = {"X-Auth-Token": sign_in(api).json()["accessToken"]}
    assert api.get("/me", headers=fresh).json()["email"] == "ada@example.com"


def test_tokens_are_stored_only_as_sha256_digests(api: Client) -> None:
    tokens = [token_of(make_requester(api)), sign_in(api).json()["accessToken"]]
    rows = auth_token_rows(api)
    assert len(rows) == 2
    assert {row["token_hash"] for row in rows} == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row["token_hash"])
        for value in row.values():
            for token in tokens:
                assert token not in str(value)


def test_a_bad_token_is_401_whatever_the_body(api: Client) -> None:
    make_requester(api)
    bad = {"X-Auth-Token": "no-such-token"}
    bodies = [
        (b"", "application/json"),
        (b'{"name": ', "application/json"),
        (b"name=x", "application/x-www-form-urlencoded"),
    ]
    answers = []
    for method, path in protected_routes(api):
        if method not in ("POST", "PUT"):
            continue
        for content, media_type in bodies:
            response = api.request(method, path, content=content, headers={**bad, "Content-Type": media_type})
            answers.append((method, path, content, response.status_code))
    answers.append(("PUT", "/me", b'{"id": 1}', api.put("/me", json={"id": 1}, headers=bad).status_code))
    wrong = [answer for answer in answers if answer[-1] != 401]
    assert not wrong, wrong


def test_a_bad_token_is_401_whatever_the_body_on_tasks_and_jobs(api: Client) -> None:
    make_requester(api)
    bad = {"X-Auth-Token": "no-such-token"}
    assert api.post("/tasks", json={"name": ""}, headers=bad).status_code == 401
    assert api.post("/jobs", json={"name": 5}, headers=bad).status_code == 401
    assert api.put("/jobs/1/tasks", json="not a list", headers=bad).status_code == 401


# The profile --------------------------------------------------------------------------------------------------------


def test_profile_has_exactly_the_swarms_shape(api: Client) -> None:
    headers = make_requester(api, credit="10")
    response = api.get("/me", headers=headers)
    assert response.status_code == 200
    profile = response.json()
    assert list(profile) == PROFILE_KEYS
    assert profile["email"] == "ada@example.com"
    assert isinstance(profile["id"], int) and profile["id"] == sign_in(api).json()["userId"]
    assert re.fullmatch(r"[0-9A-F]{8}", profile["customerId"])
    assert profile["balance"] == {"available": "10.00 USD", "frozen": "0.00 USD"}
    assert all(USD.match(v) for v in profile["balance"].values())
    assert profile["commissionRate"] == 0.2
    assert profile["charity"] is False
    for key in ("firstName", "lastName", "phone", "organization", "website", "logo"):
        assert profile[key] == ""


def test_put_me_changes_the_editable_fields(api: Client) -> None:
    headers = make_requester(api, credit="10")
    before = api.get("/me", headers=headers).json()
    response = api.put("/me", json=EDITABLE, headers=headers)
    assert response.status_code == 200, response.text
    after = api.get("/me", headers=headers).json()
    assert response.json() == after
    assert after == {**before, **EDITABLE}


def test_put_me_keeps_fields_it_is_not_sent(api: Client) -> None:
    headers = make_requester(api)
    api.put("/me", json=EDITABLE, headers=headers)
    response = api.put("/me", json={"lastName": "Byron"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == api.get("/me", headers=headers).json()
    assert response.json()["firstName"] == "Ada" and response.json()["lastName"] == "Byron"
    assert api.put("/me", json={}, headers=headers).json()["organization"] == EDITABLE["organization"]


def test_put_me_refuses_each_read_only_field(api: Client) -> None:
    headers = make_requester(api, credit="10")
    before = api.get("/me", headers=headers).json()
    for field, value in READ_ONLY.items():
        response = api.put("/me", json={"firstName": "Mallory", field: value}, headers=headers)
        body = assert_error(response, 422, ErrorCode.INVALID_BODY)
        assert [p["path"] for p in body["problems"]] == [field]
        assert "read-only" in body["problems"][0]["message"]
        assert api.get("/me", headers=headers).json() == before


def test_put_me_names_every_read_only_field_at_once(api: Client) -> None:
    headers = make_requester(api)
    before = api.get("/me", headers=headers).json()
    body = assert_error(api.put("/me", json={**EDITABLE, **READ_ONLY}, headers=headers), 422, ErrorCode.INVALID_BODY)
    assert {p["path"] for p in body["problems"]} == set(READ_ONLY)
    assert api.get("/me", headers=headers).json() == before


def test_put_me_refuses_sending_back_the_whole_profile(api: Client) -> None:
    headers = make_requester(api)
    before = api.get("/me", headers=headers).json()
    body = assert_error(api.put("/me", json=before, headers=headers), 422, ErrorCode.INVALID_BODY)
    assert {p["path"] for p in body["problems"]} == set(READ_ONLY)


WRONG_PROFILE_CHANGES: list[tuple[Any, set[str]]] = [
    ({"nickname": "ada"}, {"nickname"}),
    ({"firstName": "Ada", "favouriteColour": "blue"}, {"favouriteColour"}),
    ({"firstName": 5}, {"firstName"}),
    ({"lastName": None}, {"lastName"}),
    ({"organization": ["x"]}, {"organization"}),
    ({"phone": "call me"}, {"phone"}),
    ({"logo": "ftp://logo.example.com/a.png"}, {"logo"}),
    ({"logo": "javascript:alert(1)"}, {"logo"}),
    ({"firstName": "x" * 101, "website": "w" * 3000}, {"firstName", "website"}),
    ({"firstName": "Ada", "lastName": 7, "charm": 1}, {"lastName", "charm"}),
    ([], {""}),
    ("Ada", {""}),
    (5, {""}),
    (False, {""}),
]


def test_put_me_refuses_unknown_fields_wrong_values_and_non_objects(api: Client) -> None:
    headers = make_requester(api)
    api.put("/me", json={"firstName": "Ada"}, headers=headers)
    before = api.get("/me", headers=headers).json()
    for change, paths in WRONG_PROFILE_CHANGES:
        body = assert_error(api.put("/me", json=change, headers=headers), 422, ErrorCode.INVALID_BODY)
        assert {p["path"] for p in body["problems"]} == paths, change
        assert api.get("/me", headers=headers).json() == before, change


def test_put_me_can_clear_the_logo(api: Client) -> None:
    headers = make_requester(api)
    assert api.put("/me", json={"logo": "https://logo.example.com/a.png"}, headers=headers).status_code == 200
    response = api.put("/me", json={"logo": ""}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["logo"] == ""


def test_put_me_names_every_problem_of_a_mixed_body(api: Client) -> None:
    headers = make_requester(api)
    body = assert_error(
        api.put("/me", json={"id": 3, "nickname": "x", "firstName": 5}, headers=headers), 422, ErrorCode.INVALID_BODY
    )
    assert {p["path"] for p in body["problems"]} == {"id", "nickname", "firstName"}


def test_profile_changes_stay_with_their_own_requester(api: Client) -> None:
    ada = make_requester(api)
    bob = make_requester(api, email="bob@example.com")
    api.put("/me", json={"firstName": "Ada"}, headers=ada)
    assert api.get("/me", headers=bob).json()["firstName"] == ""
    assert api.get("/me", headers=bob).json()["email"] == "bob@example.com"


def test_tasks_are_private_to_their_requester(api: Client) -> None:
    ada = make_requester(api)
    bob = make_requester(api, email="bob@example.com")
    task = api.post("/tasks", json=rating_task(), headers=ada).json()
    assert api.get(f"/tasks/{task['id']}", headers=bob).status_code == 404
    assert api.get("/tasks", headers=bob).json()["tasks"] == []


# The operator's command ---------------------------------------------------------------------------------------------


def run_cli(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TASKENGINE_DATA_DIR": str(data_dir)}
    env.pop("TASKENGINE_DATABASE_URL", None)
    return subprocess.Popen(
        [TASKENGINE, "requesters", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_cli_creates_and_credits_requesters_with_clear_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out, err = finish(run_cli(data, "create", "--email", "Ada@Example.com", "--password", PASSWORD))
    assert code == 0, err
    assert re.match(r"^requester \d+ created: ada@example\.com \(customer id [0-9A-F]{8}\)$", out.strip()), out

    # Independent commands run side by side (SQLite waits for its one writer), to keep the test fast.
    commands = {
        "duplicate": ["create", "--email", "ADA@example.com", "--password", PASSWORD],
        "credit": ["credit", "--email", "ada@example.com", "--amount", "12.5"],
        "unknown": ["credit", "--email", "nobody@example.com", "--amount", "5"],
        "negative": ["credit", "--email", "ada@example.com", "--amount", "-5"],
        "not a number": ["credit", "--email", "ada@example.com", "--amount", "abc"],
        "too fine": ["credit", "--email", "ada@example.com", "--amount", "0.0000001"],
    }
    results = {name: finish(process) for name, process in {k: run_cli(data, *v) for k, v in commands.items()}.items()}

    code, out, err = results["credit"]
    assert code == 0, err
    assert out.strip() == "ada@example.com: available 12.50 USD, frozen 0.00 USD"
    expected_errors = {
        "duplicate": "a requester with email ada@example.com exists already",
        "unknown": "no requester with email nobody@example.com",
        "negative": "amount: an amount must not be negative: '-5'",
        "not a number": "amount: not a number: 'abc'",
        "too fine": "amount: an amount must have at most 6 decimal places: '0.0000001'",
    }
    for name, fragment in expected_errors.items():
        code, out, err = results[name]
        assert code == 1, (name, out, err)
        assert out == "", (name, out)
        assert err.startswith("taskengine: ") and fragment in err, (name, err)
        assert "Traceback" not in err, (name, err)

    # What the commands did is what the API shows: one requester, signed in with that password, 12.50 USD.
    app = create_app(load_settings({}, data_dir=data), sweeper=False)
    with TestClient(app) as client:
        token = sign_in(client, email="ada@example.com")
        assert token.status_code == 200, token.text
        me = client.get("/me", headers={"X-Auth-Token": token.json()["accessToken"]}).json()
        assert me["email"] == "ada@example.com"
        assert me["balance"] == {"available": "12.50 USD", "frozen": "0.00 USD"}
        assert sign_in(client, email="bob@example.com").status_code == 401


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["create", "--email", "not-an-email", "--password", PASSWORD], "'not-an-email' is not an email address"),
        (["create", "--email", "bob@example.com", "--password", "short"], "must be 8 to 1024 characters long"),
        (["credit", "--email", "ada@example.com", "--amount", "0"], "amount: must be greater than 0"),
        (["credit", "--email", "ada@example.com", "--amount", "NaN"], "finite number"),
        (["credit", "--email", "ada@example.com", "--amount", "1e13"], "must not exceed"),
        (["credit", "--email", "ada@example.com", "--amount", ""], "not a number"),
    ],
)
def test_cli_refuses_bad_input_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
) -> None:
    """The same commands in-process (the subprocess test above covers the installed entry point)."""
    monkeypatch.setenv("TASKENGINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TASKENGINE_DATABASE_URL", raising=False)
    assert cli_main(["requesters", "create", "--email", "ada@example.com", "--password", PASSWORD]) == 0
    capsys.readouterr()
    assert cli_main(["requesters", *args]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("taskengine: ") and fragment in err, err
