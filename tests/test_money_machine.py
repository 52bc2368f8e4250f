"""Money under random work: a state machine over the whole service, against a model of places and results.

Workers start, submit, return and run out of time; the requester approves, rejects, soft-rejects, approves
everything, cancels; the review time runs out. After every step the ledger balances
(`available + frozen + paid_out + fees == credited`), the campaign holds exactly the price of the places that
can still be paid, and approving any live result succeeds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from litestar.testing import TestClient

from taskengine.db.models import Assignment, Campaign, JobResult, Requester, utcnow
from taskengine.domain.money import check_invariant, commission, to_micros
from taskengine.domain.scheduler import approve_due, expire_assignments
from tests.databases import wipe
from tests.requesters import make_requester
from tests.test_results import answers
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]
RATE_PPM = 200_000  # make_requester's commission rate
JOBS, RESULTS, PER_WORKER, WORKERS = 2, 2, 2, 3
OPEN = ("active", "paused")


@dataclass
class Work:
    """One assignment in the model, and its result if one was submitted."""

    id: int
    worker: int
    job: int
    state: str = "working"  # working, submitted, returned, expired
    result: int | None = None
    result_state: str | None = None  # InReview, Approved, Rejected, SoftRejected, Expired


picks = st.integers(0, 1_000)


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self, api: Client) -> None:
        super().__init__()
        self.api = api
        api.blocking_portal.call(wipe, api.app.state.db)
        self.work: list[Work] = []

    @initialize(payment=st.sampled_from(["0.25", "0.000003", "0.01", "1.5"]))
    def publish(self, payment: str) -> None:
        self.requester = make_requester(self.api, credit="100")
        self.campaign, self.jobs = published(
            self.api, self.requester, results=RESULTS, jobs=JOBS, maxResultsPerWorker=PER_WORKER, workerPayment=payment
        )
        self.payment = to_micros(payment)
        self.price = self.payment + commission(self.payment, RATE_PPM)
        self.state = "active"
        self.workers = [make_worker(self.api, f"w{i}@example.com")[1] for i in range(WORKERS)]

    # --- helpers over the model ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        response = self.api.request(method, path, headers=headers, json=body)
        assert response.status_code < 500, (method, path, response.text)
        return response

    def _results(self, *states: str) -> list[Work]:
        return [w for w in self.work if w.result_state in states]

    def _approved(self, job: int | None = None) -> int:
        return sum(1 for w in self._results("Approved") if job is None or w.job == job)

    def _live(self, job: int) -> int:
        working = sum(1 for w in self.work if w.job == job and w.state == "working")
        return working + sum(1 for w in self._results("InReview", "Approved") if w.job == job)

    def _approved_now(self, work: Work) -> None:
        work.result_state = "Approved"
        if self.state in OPEN and all(self._approved(job) >= RESULTS for job in self.jobs):
            self.state = "finished"

    def _ended(self, work: Work, state: str) -> None:
        """The assignment ended without a result; a soft-rejected result waiting for its redo expires with it."""
        work.state = state
        if work.result_state == "SoftRejected":
            work.result_state = "Expired"

    def _backdated(self, model: Any, row_id: Any, column: str, age: timedelta, due_work: Any) -> int:
        """Set the row's `column` to `age` ago, then run the due work that should now act on it; how many it did."""

        async def go(session: Any) -> int:
            row = await session.get(model, row_id)
            setattr(row, column, utcnow() - age)
            session.add(row)
            await session.flush()
            return int(await due_work(session))

        return int(self._db(go))

    def _db(self, work: Any) -> Any:
        async def go() -> Any:
            async with self.api.app.state.db.transaction() as session:
                return await work(session)

        return self.api.blocking_portal.call(go)

    # --- the worker ---------------------------------------------------------------------------------------------

    @rule(w=st.integers(0, WORKERS - 1), j=st.integers(0, JOBS - 1))
    def start(self, w: int, j: int) -> None:
        job = self.jobs[j]
        mine = [x for x in self.work if x.worker == w and x.job == job]
        expected = (
            self.state == "active"
            and self._live(job) < RESULTS
            and sum(1 for x in mine if x.state in ("working", "submitted")) < PER_WORKER
            and not any(x.state == "working" for x in mine)
        )
        response = self._call("POST", f"/worker/campaigns/{self.campaign}/jobs/{job}/start", self.workers[w])
        assert (response.status_code == 201) == expected, response.text
        if expected:
            self.work.append(Work(response.json()["id"], w, job))

    @rule(pick=picks)
    def submit(self, pick: int) -> None:
        if not self.work:
            return
        work = self.work[pick % len(self.work)]
        sequence = self._call("GET", f"/worker/assignments/{work.id}", self.workers[work.worker]).json()
        body = {**answers(sequence), "id": uuid.uuid4().hex}
        response = self._call("POST", f"/worker/assignments/{work.id}/result", self.workers[work.worker], body)
        # A working assignment takes a result even after its campaign closed: the worker's time was promised.
        assert (response.status_code == 201) == (work.state == "working"), response.text
        if response.status_code == 201:
            work.state, work.result, work.result_state = "submitted", response.json()["id"], "InReview"

    @rule(pick=picks)
    def give_back(self, pick: int) -> None:
        if not self.work:
            return
        work = self.work[pick % len(self.work)]
        response = self._call("POST", f"/worker/assignments/{work.id}/return", self.workers[work.worker])
        assert (response.status_code == 200) == (work.state == "working"), response.text
        if response.status_code == 200:
            self._ended(work, "returned")

    @rule(pick=picks)
    def run_out_of_time(self, pick: int) -> None:
        working = [w for w in self.work if w.state == "working"]
        if not working:
            return
        work = working[pick % len(working)]
        assert self._backdated(Assignment, work.id, "deadline", timedelta(seconds=1), expire_assignments) == 1
        self._ended(work, "expired")

    # --- the requester ------------------------------------------------------------------------------------------

    def _decide(self, pick: int, action: str, body: Any) -> Work | None:
        """Send a decision on one of the submitted results; that result's work if it was taken (it was in review)."""
        decided = [w for w in self.work if w.result is not None]
        if not decided:
            return None
        work = decided[pick % len(decided)]
        response = self._call("POST", f"/results/{work.result}/{action}", self.requester, body)
        assert (response.status_code == 200) == (work.result_state == "InReview"), (action, response.text)
        return work if response.status_code == 200 else None

    @rule(pick=picks)
    def approve(self, pick: int) -> None:
        if work := self._decide(pick, "approve", None):
            self._approved_now(work)

    @rule(pick=picks)
    def reject(self, pick: int) -> None:
        if work := self._decide(pick, "reject", {"reason": "No"}):
            work.result_state = "Rejected"

    @rule(pick=picks)
    def soft_reject(self, pick: int) -> None:
        until = (utcnow() + timedelta(days=1)).isoformat()
        if work := self._decide(pick, "soft-reject", {"reason": "Again", "until": until}):
            work.state, work.result_state = "working", "SoftRejected"

    @rule()
    def approve_all(self) -> None:
        response = self._call("POST", f"/campaigns/{self.campaign}/results/approve-all", self.requester)
        assert response.status_code == 200, response.text
        for work in sorted(self._results("InReview"), key=lambda w: w.result or 0):
            self._approved_now(work)

    @rule(pick=picks)
    def review_time_runs_out(self, pick: int) -> None:
        waiting = self._results("InReview")
        if not waiting:
            return
        work = waiting[pick % len(waiting)]
        assert self._backdated(JobResult, work.result, "review_until", timedelta(seconds=1), approve_due) == 1
        self._approved_now(work)

    @rule(action=st.sampled_from(["pause", "continue", "cancel"]))
    def lifecycle(self, action: str) -> None:
        allowed = {"pause": ("active",), "continue": ("paused",), "cancel": OPEN}[action]
        response = self._call("POST", f"/campaigns/{self.campaign}/{action}", self.requester)
        assert (response.status_code == 200) == (self.state in allowed), response.text
        if response.status_code == 200:
            self.state = {"pause": "paused", "continue": "active", "cancel": "cancelled"}[action]

    # --- what must hold after every step ------------------------------------------------------------------------

    @invariant()
    def money_balances_and_every_live_result_can_be_paid(self) -> None:
        if not hasattr(self, "campaign"):
            return

        async def read(session: Any) -> tuple[Campaign, Requester]:
            await check_invariant(session, 1)
            return await session.get(Campaign, self.campaign), await session.get(Requester, 1)

        campaign, requester = self._db(read)
        assert campaign.state == self.state
        undecided = sum(1 for w in self.work if w.state == "working") + len(self._results("InReview"))
        if self.state in OPEN:
            # Every place not yet approved can still be filled and paid.
            assert campaign.frozen == self.price * (RESULTS * JOBS - self._approved())
        else:
            # Closed: only the work under way or in review keeps its money; nothing else stays frozen.
            assert campaign.frozen == self.price * undecided
        assert campaign.frozen >= self.price * len(self._results("InReview"))
        assert requester.paid_out == self.payment * self._approved()
        assert requester.available + requester.frozen + requester.paid_out + requester.fees == requester.credited


def test_random_work_keeps_the_money_right(api: Client) -> None:
    examples = 8 if api.app.state.db.dialect == "postgresql" else 15
    run_state_machine_as_test(
        lambda: MoneyMachine(api),
        settings=settings(
            max_examples=examples, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
