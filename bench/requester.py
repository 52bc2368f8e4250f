"""Benchmark: requests per second for list and read of a 20-task job, one service process.

Starts `taskengine serve` (one uvicorn process) on a free loopback port with a fresh data folder
(SQLite by default; `--database-url postgresql://...` for PostgreSQL), seeds a requester with a
job of 20 tasks, then drives it with concurrent keep-alive connections from this process for a
fixed time per endpoint, with `wrk` when it is installed (`apt-get install wrk`; a C client leaves
more CPU to the server) and httpx otherwise. On a 2-core machine the client competes with the server
for CPU: compare figures from one run, not across machines. Run: `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TASKS = 20
PASSWORD = "benchmark password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _task(i: int) -> dict[str, object]:
    return {
        "name": f"Task {i}",
        "components": [
            {"type": "Text", "properties": {"text": f"Question {i}: how good is this picture?"}},
            {"type": "Image", "properties": {"url": f"https://example.com/pictures/{i}.jpg"}},
            {"type": "Rating", "properties": {"steps": 5}},
            {"type": "BinaryChoice", "properties": {"option1": "Sharp", "option2": "Blurred"}},
            {"type": "TextInput", "properties": {"hint": "Anything else?"}, "optionalResult": True},
        ],
    }


async def _drive(client: httpx.AsyncClient, path: str, seconds: float, connections: int) -> tuple[float, list[float]]:
    """Requests per second and latencies (ms) of GET `path` from `connections` concurrent loops."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = await client.get(path)
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

    start = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(connections)))
    return len(latencies) / (time.perf_counter() - start), latencies


def _wrk(base: str, path: str, token: str, seconds: float, connections: int) -> str:
    """wrk's figures for GET `path`: a C client leaves more of the 2 cores to the server than httpx does."""
    duration = f"-d{max(1, round(seconds))}s"
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", duration, "--latency", "-H", f"X-Auth-Token: {token}", base + path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not (rate and p50 and p99) or errors:
        raise RuntimeError(f"wrk on {path}:\n{out}")
    return f"{float(rate[1]):,.0f} requests/s, p50 {p50[1]}, p99 {p99[1]}"


async def _run(base: str, seconds: float, connections: int, use_wrk: bool) -> None:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        token = (
            await client.post("/auth/token/request", json={"email": "bench@example.com", "password": PASSWORD})
        ).json()
        client.headers["X-Auth-Token"] = token["accessToken"]
        task_ids = [(await client.post("/tasks", json=_task(i))).json()["id"] for i in range(TASKS)]
        job = (await client.post("/jobs", json={"name": "Benchmark job"})).json()
        assert (await client.put(f"/jobs/{job['id']}/tasks", json=task_ids)).status_code == 200
        endpoints = {
            f"list the job's {TASKS} tasks (GET /jobs/{{id}}/tasks)": f"/jobs/{job['id']}/tasks",
            "read the job (GET /jobs/{id})": f"/jobs/{job['id']}",
            "read one task (GET /tasks/{id})": f"/tasks/{task_ids[0]}",
            f"list tasks, {TASKS} a page (GET /tasks?limit={TASKS})": f"/tasks?limit={TASKS}",
        }
        for label, path in endpoints.items():
            if use_wrk:
                _wrk(base, path, client.headers["X-Auth-Token"], 1, connections)  # warm up
                print(f"{label}: {_wrk(base, path, client.headers['X-Auth-Token'], seconds, connections)}")
                continue
            await _drive(client, path, 1.0, connections)  # warm up
            rate, latencies = await _drive(client, path, seconds, connections)
            quantiles = statistics.quantiles(latencies, n=100)
            print(f"{label}: {rate:,.0f} requests/s, p50 {quantiles[49]:.1f} ms, p99 {quantiles[98]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per endpoint")
    parser.add_argument("--connections", type=int, default=16, help="concurrent client connections")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--client", choices=["auto", "wrk", "httpx"], default="auto", help="load generator")
    args = parser.parse_args()
    executable = str(Path(sys.executable).with_name("taskengine"))
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "TASKENGINE_DATA_DIR": data,
            "TASKENGINE_DATABASE_URL": args.database_url,
            "TASKENGINE_LOG_LEVEL": "warning",
            "TASKENGINE_RATE_LIMITS": "false",  # one client makes every request; the bench measures the service
        }
        subprocess.run(
            [executable, "requesters", "create", "--email", "bench@example.com", "--password", PASSWORD],
            env=env,
            check=True,
            capture_output=True,
        )
        port = _free_port()
        server = subprocess.Popen(
            [executable, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
            use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
            print(
                f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
                f"one service process on {database}; {args.connections} connections from "
                f"{'wrk' if use_wrk else 'one httpx client process'}"
            )
            asyncio.run(_run(base, args.seconds, args.connections, use_wrk))
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
