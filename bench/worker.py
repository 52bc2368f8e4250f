"""Benchmark: the worker API — reading an assignment's job sequence, and starting jobs under contention.

(a) `GET /worker/assignments/{id}` for a job of 20 tasks of 5 components each, against a bare handler that
    returns the same bytes, once in a plain Litestar app and once added to taskengine's own app (same
    middleware, headers and settings); all served by uvicorn the way `taskengine serve` does (one process),
    measured with `wrk` in the same run; the ratio should be at least 0.5. `--database postgresql` for PostgreSQL.
(b) `POST /worker/campaigns/{c}/jobs/{j}/start` on PostgreSQL (a throwaway database on the local server):
    many workers start random jobs of one campaign concurrently until every place is taken, with one or
    `--processes N` service processes on the same database; afterwards no job may have more assignments than
    the results it needs. Setting up signs up and signs in every worker over HTTP, two Argon2 hashes each:
    about two minutes for 400 workers on 2 cores (`--workers` for fewer).
(c) Result submissions validated and stored per second: one worker submits a result for each of many
    jobs of 20 tasks (5 components each), several in flight, against one service process.

Everything runs on loopback. On a 2-core machine the clients compete with the servers for CPU: compare
figures from one run, not across machines. Run: `python bench/worker.py` (needs `wrk` for part a).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from requester import PASSWORD, TASKS, _free_port, _task, _wrk

_PUBLISHABLE = {"title": "Benchmark", "description": "Work made by the benchmark"}  # publishing needs both

REQUESTER = "bench@example.com"
WORKER = "bench-worker@example.com"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECTIONS_PER_PROCESS = 30  # taskengine's PostgreSQL pool: pool_size 10 + max_overflow 20


# --- servers ---------------------------------------------------------------------------------------------------


def _cli(executable: str, env: Mapping[str, str], *args: str) -> None:
    subprocess.run([executable, *args], env=env, check=True, capture_output=True)


def _wait_ready(server: subprocess.Popen[bytes], url: str) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {server.returncode} before it was ready")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} after 30 s")


def _serve(executable: str, env: Mapping[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """A `taskengine serve` process on a free loopback port, ready; the process and its base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [executable, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(server, f"{base}/health")
    except BaseException:
        _stop(server)
        raise
    return server, base


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Terminate a server this script started (by its own handle), and kill it if it is still there after 10 s."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _bare(port: int, body_file: str, configured: bool) -> None:
    """A bare Litestar handler returning fixed bytes, run by uvicorn like `taskengine serve`.

    `configured`: inside taskengine's own app (its middleware, headers and settings, from the environment);
    otherwise in a plain Litestar app.
    """
    import uvicorn
    from litestar import Litestar, Response, get

    content = Path(body_file).read_bytes()

    @get("/sequence", signature_namespace={"Response": Response})
    async def sequence() -> Response[bytes]:
        return Response(content=content, media_type="application/json")

    if configured:
        from taskengine.api import create_app

        app = create_app()
        app.register(sequence)
    else:
        app = Litestar(route_handlers=[sequence])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)


# --- (a) the job sequence ----------------------------------------------------------------------------------------


def _rate(figures: str) -> float:
    """The requests per second at the start of `_wrk`'s answer ("12,345 requests/s, p50 ..., p99 ...")."""
    return float(figures.split()[0].replace(",", ""))


def _sequence(executable: str, env: dict[str, str], seconds: float, connections: int) -> None:
    _cli(executable, env, "requesters", "create", "--email", REQUESTER, "--password", PASSWORD)
    _cli(executable, env, "requesters", "credit", "--email", REQUESTER, "--amount", "100.00")
    _cli(executable, env, "workers", "create", "--email", WORKER, "--password", PASSWORD)
    servers: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            server, base = _serve(executable, env)
            servers.append(server)
            with httpx.Client(base_url=base, timeout=30) as client:
                client.headers["X-Auth-Token"] = _token(client, "/auth/token/request", REQUESTER)
                task_ids = [_created(client.post("/tasks", json=_task(i)))["id"] for i in range(TASKS)]
                job = _created(client.post("/jobs", json={"name": "Sequence job"}))["id"]
                client.put(f"/jobs/{job}/tasks", json=task_ids).raise_for_status()
                campaign = _created(
                    client.post("/campaigns", json={"name": "Sequence", **_PUBLISHABLE, "workerPayment": "0.10"})
                )
                client.put(f"/campaigns/{campaign['id']}/jobs", json=[job]).raise_for_status()
                client.post(f"/campaigns/{campaign['id']}/publish").raise_for_status()
                worker_token = _token(client, "/worker/auth/token/request", WORKER)
                headers = {"X-Auth-Token": worker_token}
                started = client.post(f"/worker/campaigns/{campaign['id']}/jobs/{job}/start", headers=headers)
                path = f"/worker/assignments/{_created(started)['id']}"
                response = client.get(path, headers={**headers, "Accept-Encoding": "identity"})
                response.raise_for_status()
                body = response.content
            body_file = Path(scratch, "sequence.json")
            body_file.write_bytes(body)
            bare_bases = {}
            for kind in ("plain", "configured"):
                bare_port = _free_port()
                bare = subprocess.Popen(
                    [sys.executable, __file__, "bare", str(bare_port), str(body_file), kind],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                servers.append(bare)
                bare_bases[kind] = f"http://127.0.0.1:{bare_port}"
                _wait_ready(bare, f"{bare_bases[kind]}/sequence")
                if httpx.get(f"{bare_bases[kind]}/sequence").content != body:
                    raise RuntimeError("the bare endpoint does not return the same bytes")

            print(
                f"(a) GET /worker/assignments/{{id}}: a job of {TASKS} tasks with 5 components each, "
                f"{len(body):,} bytes of JSON; wrk, {connections} connections, {seconds:.0f} s each after 1 s warm-up"
            )
            _wrk(base, path, worker_token, 1, connections)  # warm up (the first read fills the sequence cache)
            for bare_base in bare_bases.values():
                _wrk(bare_base, "/sequence", worker_token, 1, connections)
            real = _wrk(base, path, worker_token, seconds, connections)
            plain = _wrk(bare_bases["plain"], "/sequence", worker_token, seconds, connections)
            configured = _wrk(bare_bases["configured"], "/sequence", worker_token, seconds, connections)
            print(f"    taskengine (token check, assignment read, ETag, standard headers): {real}")
            print(f"    bare handler in a plain Litestar app (no auth, no database, no middleware): {plain}")
            print(f"    bare handler in taskengine's app (its middleware and headers, no database): {configured}")
            for name, figures in (("plain Litestar", plain), ("taskengine's app", configured)):
                ratio = _rate(real) / _rate(figures)
                verdict = "met" if ratio >= 0.5 else "NOT met"
                print(f"    ratio taskengine / bare in {name}: {ratio:.2f} (target >= 0.5: {verdict})")
        finally:
            for server in servers:
                _stop(server)


def _token(client: httpx.Client, path: str, email: str) -> str:
    response = client.post(path, json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return str(response.json()["accessToken"])


def _created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


# --- (b) starting jobs on PostgreSQL -----------------------------------------------------------------------------


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _per_job_in_database(url: str, campaign: int) -> tuple[dict[int, int], dict[int, int], int]:
    """Straight from the tables: live assignments per job, job_slots.live per job, max_connections."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT job_id, count(*) AS n FROM assignments"
            " WHERE campaign_id = $1 AND state = 'working' GROUP BY job_id",
            campaign,
        )
        slots = await connection.fetch("SELECT job_id, live FROM job_slots WHERE campaign_id = $1", campaign)
        most = int(await connection.fetchval("SHOW max_connections"))
    finally:
        await connection.close()
    return {r["job_id"]: r["n"] for r in rows}, {r["job_id"]: r["live"] for r in slots}, most


async def _setup_market(
    clients: list[httpx.AsyncClient], jobs: int, results: int, workers: int
) -> tuple[int, list[int], list[str]]:
    """A published campaign of `jobs` jobs needing `results` each, and `workers` signed-up workers' tokens."""
    client = clients[0]
    auth = {"X-Auth-Token": (await _atoken(client, "/auth/token/request", REQUESTER))}
    task = _created(await client.post("/tasks", json=_task(0), headers=auth))["id"]
    job_ids = []
    for i in range(jobs):
        job = _created(await client.post("/jobs", json={"name": f"Job {i}"}, headers=auth))["id"]
        (await client.put(f"/jobs/{job}/tasks", json=[task], headers=auth)).raise_for_status()
        job_ids.append(int(job))
    body = {"name": "Contention", **_PUBLISHABLE, "workerPayment": "0.01", "results": results, "maxResultsPerWorker": 1}
    campaign = int(_created(await client.post("/campaigns", json=body, headers=auth))["id"])
    (await client.put(f"/campaigns/{campaign}/jobs", json=job_ids, headers=auth)).raise_for_status()
    (await client.post(f"/campaigns/{campaign}/publish", headers=auth)).raise_for_status()

    gate = asyncio.Semaphore(32)  # Argon2 runs in the servers' threads: more at once only queues there

    async def sign_up(i: int) -> str:
        api = clients[i % len(clients)]
        email = f"worker{i}@example.com"
        async with gate:
            _created(await api.post("/worker/signup", json={"email": email, "password": PASSWORD}))
            return await _atoken(api, "/worker/auth/token/request", email)

    tokens = await asyncio.gather(*(sign_up(i) for i in range(workers)))
    return campaign, job_ids, list(tokens)


async def _atoken(client: httpx.AsyncClient, path: str, email: str) -> str:
    response = await client.post(path, json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return str(response.json()["accessToken"])


async def _race(
    clients: list[httpx.AsyncClient], campaign: int, job_ids: list[int], tokens: list[str], in_flight: int
) -> tuple[float, Counter[tuple[int, int]], Counter[int], list[float]]:
    """Start random jobs as random workers, `in_flight` at a time, until the service says every job is full.

    A job leaves the draw only when the service answers "no places left" for it (not when this client has
    counted enough 201s), so an over-assigned job would show up as more 201s than it needs.
    """
    open_jobs = set(job_ids)
    outcomes: Counter[tuple[int, int]] = Counter()  # (status, error code or 0)
    started: Counter[int] = Counter()  # job id -> 201s
    latencies: list[float] = []
    sent = 0
    rng = random.Random(1)

    async def loop() -> None:
        nonlocal sent
        while open_jobs:
            job = rng.choice(sorted(open_jobs))
            token = rng.choice(tokens)
            client = clients[sent % len(clients)]  # round-robin across the service processes
            sent += 1
            begin = time.perf_counter()
            response = await client.post(
                f"/worker/campaigns/{campaign}/jobs/{job}/start", headers={"X-Auth-Token": token}
            )
            latencies.append((time.perf_counter() - begin) * 1000)
            if response.status_code == 201:
                outcomes[(201, 0)] += 1
                started[job] += 1
            elif response.status_code == 409:
                code = int(response.json()["code"])
                outcomes[(409, code)] += 1
                if code == 40906:  # the job has all the results it needs
                    open_jobs.discard(job)
            else:
                raise RuntimeError(f"start of job {job}: {response.status_code} {response.text[:300]}")

    begin = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(in_flight)))
    return time.perf_counter() - begin, outcomes, started, latencies


async def _contention_run(
    bases: list[str], url: str, args: argparse.Namespace
) -> tuple[int, float, Counter[tuple[int, int]], Counter[int], list[float]]:
    limits = httpx.Limits(max_connections=args.in_flight, max_keepalive_connections=args.in_flight)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60) for base in bases]
    try:
        begin = time.perf_counter()
        campaign, job_ids, tokens = await _setup_market(clients, args.jobs, args.results, args.workers)
        print(
            f"    setup: a campaign of {args.jobs} jobs needing {args.results} results each, {args.workers} workers "
            f"signed up and signed in over HTTP (Argon2 twice each), {time.perf_counter() - begin:.1f} s"
        )
        elapsed, outcomes, started, latencies = await _race(clients, campaign, job_ids, tokens, args.in_flight)
    finally:
        for client in clients:
            await client.aclose()
    return campaign, elapsed, outcomes, started, latencies


@contextmanager
def _throwaway_database(admin_url: str) -> Iterator[str]:
    """The URL of a new database on the PostgreSQL server of `admin_url`, dropped afterwards."""
    name = f"taskengine_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _contention(executable: str, env: dict[str, str], args: argparse.Namespace) -> None:
    with _throwaway_database(args.postgres) as url:
        _contend(executable, {**env, "TASKENGINE_DATABASE_URL": url}, url, args)


def _contend(executable: str, pg_env: dict[str, str], url: str, args: argparse.Namespace) -> None:
    servers: list[subprocess.Popen[bytes]] = []
    try:
        # The CLI migrates the new database once, before any server starts (so they do not race to migrate).
        _cli(executable, pg_env, "requesters", "create", "--email", REQUESTER, "--password", PASSWORD)
        _cli(executable, pg_env, "requesters", "credit", "--email", REQUESTER, "--amount", "100.00")
        bases = []
        for _ in range(args.processes):
            server, base = _serve(executable, pg_env)
            servers.append(server)
            bases.append(base)
        places = args.jobs * args.results
        print(
            f"(b) POST /worker/campaigns/{{c}}/jobs/{{j}}/start on PostgreSQL, {args.processes} service "
            f"process(es) on one database, {args.in_flight} requests in flight from one httpx client process "
            f"(round-robin across the processes), random job and worker each time, until all {places} places "
            "are taken"
        )
        campaign, elapsed, outcomes, started, latencies = asyncio.run(_contention_run(bases, url, args))
        total = sum(outcomes.values())
        quantiles = statistics.quantiles(latencies, n=100)
        print(
            f"    {elapsed:.2f} s: {outcomes[(201, 0)] / elapsed:,.0f} assignments started/s (201), "
            f"{total / elapsed:,.0f} start requests/s in all ({total:,} requests); "
            f"p50 {quantiles[49]:.1f} ms, p99 {quantiles[98]:.1f} ms"
        )
        names = {(201, 0): "201 started", (409, 40906): "409 no places left", (409, 40907): "409 limit per worker"}
        names[(409, 40908)] = "409 already working on it"
        print(
            "    answers: "
            + ", ".join(f"{names.get(k, f'{k[0]} code {k[1]}')} {n:,}" for k, n in sorted(outcomes.items()))
        )
        live, slots, most = asyncio.run(_per_job_in_database(url, campaign))
        over_counted = {job: n for job, n in started.items() if n > args.results}
        over_stored = {job: n for job, n in live.items() if n > args.results}
        full = sum(1 for job in slots if live.get(job, 0) == args.results == slots[job])
        consistent = all(live.get(job, 0) == slots[job] == started[job] for job in slots)
        ok = not over_counted and not over_stored and consistent and full == args.jobs
        print(
            f"    check: most 201s for one job {max(started.values(), default=0)} (limit {args.results}); "
            f"most working assignments for one job in the database {max(live.values(), default=0)}; "
            f"{full}/{args.jobs} jobs exactly full; 201s = assignment rows = job_slots.live for every job: "
            f"{'yes' if consistent else 'NO'} -> {'OK' if ok else 'FAILED'}"
        )
        if args.processes * CONNECTIONS_PER_PROCESS > most - 5:
            print(
                f"    note: {args.processes} processes may open up to {args.processes * CONNECTIONS_PER_PROCESS} "
                f"database connections; the server allows {most}"
            )
        if not ok:
            raise SystemExit(f"over-assigned or inconsistent: 201s {dict(over_counted)}, rows {dict(over_stored)}")
    finally:
        for server in servers:
            _stop(server)


# --- main --------------------------------------------------------------------------------------------------------


async def _submissions(executable: str, env: dict[str, str], count: int, in_flight: int) -> None:
    """(c): `count` valid results for jobs of TASKS tasks, submitted with `in_flight` requests at a time."""
    _cli(executable, env, "requesters", "create", "--email", REQUESTER, "--password", PASSWORD)
    _cli(executable, env, "requesters", "credit", "--email", REQUESTER, "--amount", "1000.00")
    _cli(executable, env, "workers", "create", "--email", WORKER, "--password", PASSWORD)
    server, base = _serve(executable, env)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            requester = {"X-Auth-Token": await _atoken(client, "/auth/token/request", REQUESTER)}
            worker = {"X-Auth-Token": await _atoken(client, "/worker/auth/token/request", WORKER)}
            tasks = [(await client.post("/tasks", json=_task(i), headers=requester)).json()["id"] for i in range(TASKS)]
            jobs = []
            for i in range(count):
                job = (await client.post("/jobs", json={"name": f"Job {i}"}, headers=requester)).json()["id"]
                (await client.put(f"/jobs/{job}/tasks", json=tasks, headers=requester)).raise_for_status()
                jobs.append(job)
            body = {"name": "Submissions", **_PUBLISHABLE, "workerPayment": "0.01", "results": 1}
            campaign = (await client.post("/campaigns", json=body, headers=requester)).json()["id"]
            (await client.put(f"/campaigns/{campaign}/jobs", json=jobs, headers=requester)).raise_for_status()
            (await client.post(f"/campaigns/{campaign}/publish", headers=requester)).raise_for_status()
            assignments = []
            for job in jobs:
                started = await client.post(f"/worker/campaigns/{campaign}/jobs/{job}/start", headers=worker)
                assignments.append(started.json()["id"])
            now = "2026-01-01T10:00:00Z"
            # _task's components: Text, Image, Rating, BinaryChoice, optional TextInput.
            answers = [None, None, {"rating": 4}, {"selectedOption": "Sharp"}, None]
            task_results = [
                {"task": task, "startedAt": now, "completedAt": now, "components": answers} for task in tasks
            ]
            gate = asyncio.Semaphore(in_flight)
            statuses: list[int] = []

            async def submit(assignment: int) -> None:
                async with gate:
                    response = await client.post(
                        f"/worker/assignments/{assignment}/result",
                        json={"id": f"bench-{assignment}", "taskResults": task_results},
                        headers=worker,
                    )
                    statuses.append(response.status_code)

            start = time.perf_counter()
            await asyncio.gather(*(submit(a) for a in assignments))
            elapsed = time.perf_counter() - start
        created = statuses.count(201)
        print(
            f"(c) POST /worker/assignments/{{id}}/result: {count} results of {TASKS} tasks x 5 components, "
            f"{in_flight} in flight from one httpx client, one service process"
        )
        print(
            f"    {created / elapsed:,.1f} results validated and stored/s "
            f"({created * TASKS * 5 / elapsed:,.0f} component entries/s); {created} of {count} answered 201"
        )
    finally:
        _stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="(a) measuring time per endpoint")
    parser.add_argument("--connections", type=int, default=16, help="(a) wrk's concurrent connections")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="(a), (c): SQLite in a temporary folder, or a throwaway database on --postgres",
    )
    parser.add_argument("--postgres", default=ADMIN_URL, help="(b) PostgreSQL server (admin database) to use")
    parser.add_argument("--processes", type=int, default=1, help="(b) `taskengine serve` processes on one database")
    parser.add_argument("--jobs", type=int, default=50, help="(b) jobs in the campaign")
    parser.add_argument("--results", type=int, default=3, help="(b) results each job needs")
    parser.add_argument("--workers", type=int, default=400, help="(b) workers signed up")
    parser.add_argument("--in-flight", type=int, default=64, help="(b), (c) concurrent requests")
    parser.add_argument("--submissions", type=int, default=200, help="(c) results submitted")
    parser.add_argument("--parts", default="abc", help="which parts to run, e.g. 'a' or 'bc'")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows through a pipe too
    if shutil.which("wrk") is None:
        raise SystemExit("part (a) needs wrk (apt-get install wrk)")
    executable = str(Path(sys.executable).with_name("taskengine"))
    database = "PostgreSQL" if args.database == "postgresql" else "SQLite"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"(a) one service process on {database}, (b) {args.processes} on PostgreSQL; all on loopback"
    )
    parts: tuple[tuple[str, Callable[[dict[str, str]], object]], ...] = (
        ("a", lambda env: _sequence(executable, env, args.seconds, args.connections)),
        ("b", lambda env: _contention(executable, env, args)),
        ("c", lambda env: asyncio.run(_submissions(executable, env, args.submissions, args.in_flight))),
    )
    for part, run in parts:
        if part not in args.parts:
            continue
        with tempfile.TemporaryDirectory() as data, ExitStack() as stack:
            # Rate limits off: the benchmark measures the service, and one client makes every request.
            env = {
                **os.environ,
                "TASKENGINE_DATA_DIR": data,
                "TASKENGINE_LOG_LEVEL": "warning",
                "TASKENGINE_RATE_LIMITS": "false",
            }
            # (b) is about PostgreSQL and makes its own database; (a) and (c) run on --database.
            if part != "b" and args.database == "postgresql":
                env["TASKENGINE_DATABASE_URL"] = stack.enter_context(_throwaway_database(args.postgres))
            run(env)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "bare":
        _bare(int(sys.argv[2]), sys.argv[3], sys.argv[4] == "configured")
    else:
        main()
