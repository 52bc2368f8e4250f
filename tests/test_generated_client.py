"""A client generated from /schema/openapi.json (openapi-python-client) runs a requester and a worker flow."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from litestar.testing import TestClient

from taskengine.api.app import create_app
from taskengine.settings import load_settings
from tests.databases import sqlite_database
from tests.requesters import PASSWORD, make_requester, rating_task

pytestmark = pytest.mark.contract


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    url = sqlite_database(str(tmp_path))
    settings = load_settings({}, data_dir=tmp_path, database_url=url, rate_limits=False, worker_signup=True)
    with TestClient(create_app(settings, sweeper=False)) as client:
        yield client


def _generate(document: bytes, where: Path) -> ModuleType:
    (where / "openapi.json").write_bytes(document)
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [str(generator), "generate", "--path", "openapi.json", "--meta", "none", "--output-path", "swarms_client"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Only its missing formatter may be warned about: any other warning means an operation or model was lost.
    lost = [line for line in done.stdout.splitlines() if "Cannot parse" in line or "Skipping" in line.split(":")[0]]
    assert not [line for line in lost if "Integration" not in line], done.stdout
    sys.path.insert(0, str(where))
    return importlib.import_module("swarms_client")


def _op(package: str, name: str) -> Any:
    return importlib.import_module(f"swarms_client.api.{package}.{name}")


def _model(name: str) -> Any:
    return getattr(importlib.import_module("swarms_client.models"), name)


def test_a_generated_client_runs_the_requester_and_worker_flows(served: TestClient, tmp_path: Path) -> None:  # type: ignore[type-arg]
    package = _generate(served.get("/schema/openapi.json").content, tmp_path)
    requester = make_requester(served, credit="20")

    def client(headers: dict[str, str]) -> Any:
        # The generated code makes the calls, through the app's in-process test transport.
        transport = served._transport  # type: ignore[attr-defined]
        return package.Client(
            base_url=str(served.base_url),
            headers=headers,
            raise_on_unexpected_status=True,
            httpx_args={"transport": transport},
        )

    def call(op: Any, expected: int, **kwargs: Any) -> Any:
        response = op.sync_detailed(**kwargs)
        assert response.status_code == expected, response.content
        return response.parsed

    signed_in = call(
        _op("accounts", "auth_token_request_request_token"),
        200,
        client=client({}),
        body=_model("Credentials").from_dict({"email": "ada@example.com", "password": PASSWORD}),
    )
    assert signed_in.access_token == requester["X-Auth-Token"] or signed_in.access_token
    me = client({"X-Auth-Token": signed_in.access_token})
    task = call(_op("tasks", "tasks_create_task"), 201, client=me, body=_model("Task").from_dict(rating_task()))
    job = call(_op("jobs", "jobs_create_job"), 201, client=me, body=_model("JobIn").from_dict({"name": "Job"}))
    call(_op("jobs", "jobs_job_id_tasks_set_tasks"), 200, client=me, job_id=job.id, body=[task.id])
    campaign_body = {"name": "C", "title": "Rate pictures", "description": "Rate them", "workerPayment": "0.25"}
    campaign = call(
        _op("campaigns", "campaigns_create_campaign"),
        201,
        client=me,
        body=_model("CampaignIn").from_dict(campaign_body),
    )
    jobs = call(
        _op("campaigns", "campaigns_campaign_id_jobs_set_jobs"), 200, client=me, campaign_id=campaign.id, body=[job.id]
    )
    assert [j.id for j in jobs.jobs] == [job.id]
    published = call(_op("campaigns", "campaigns_campaign_id_publish_publish"), 200, client=me, campaign_id=campaign.id)
    assert published.state == "active"

    credentials = _model("Credentials").from_dict({"email": "wes@example.com", "password": PASSWORD})
    call(_op("worker", "worker_signup_signup"), 201, client=client({}), body=credentials)
    token = call(_op("worker", "worker_auth_token_request_request_token"), 200, client=client({}), body=credentials)
    worker = client({"X-Auth-Token": token.access_token})
    market = call(_op("worker", "worker_jobs_jobs"), 200, client=worker)
    assert [(j.campaign_id, j.job_id) for j in market.jobs] == [(campaign.id, job.id)]
    assignment = call(
        _op("worker", "worker_campaigns_campaign_id_jobs_job_id_start_start"),
        201,
        client=worker,
        campaign_id=campaign.id,
        job_id=job.id,
    )
    sequence = call(
        _op("worker", "worker_assignments_assignment_id_sequence"), 200, client=worker, assignment_id=assignment.id
    )
    assert [t.id for t in sequence.tasks] == [task.id]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    submission = {
        "id": "device-1",
        "taskResults": [
            {"task": task.id, "startedAt": now, "completedAt": now, "components": [None, None, {"rating": 4}]}
        ],
    }
    result = call(
        _op("worker", "worker_assignments_assignment_id_result_submit"),
        201,
        client=worker,
        assignment_id=assignment.id,
        body=_model("SubmissionIn").from_dict(submission),
    )

    thanks = _model("Approval").from_dict({"message": "Thanks"})
    approve = _op("results", "results_result_id_approve_approve")
    approved = call(approve, 200, client=me, result_id=result.id, body=thanks)
    assert approved.state == "Approved"
