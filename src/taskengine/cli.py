"""The `taskengine` command: run the service and operate it."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from taskengine import __version__
from taskengine.settings import Settings, SettingsError, load_settings


def _prepare(settings: Settings) -> None:
    """The data folder exists and the database schema is current."""
    from taskengine.db import migrate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.resolved_database_url)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from taskengine.api import create_app

    settings = load_settings(host=args.host, port=args.port)
    _prepare(settings)
    if args.demo:
        from taskengine.demo import demo_banner, seed

        print(demo_banner(seed(settings), settings.base_url), end="\n\n", flush=True)
    app = create_app(settings)
    print(f"taskengine {__version__} on http://{settings.host}:{settings.port} (data in {settings.data_dir.resolve()})")
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        server_header=False,
        # Client addresses key the rate limits: only these proxies may say them (X-Forwarded-For).
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


def _components(args: argparse.Namespace) -> int:
    from taskengine.docs import catalogue_table

    if args.markdown:
        print(catalogue_table())
    else:
        from taskengine.engine import default_engine

        for definition in default_engine().registry:
            print(f"{definition.name:20} {'interactive' if definition.interactive else 'display'}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    _prepare(settings)
    print(f"database is current: {_safe_url(settings.resolved_database_url)}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _in_transaction(work: Callable[[Any], Awaitable[str]]) -> int:
    """Run `work(session)` in one committed transaction on the configured (and migrated) database."""
    from taskengine.db import Database
    from taskengine.errors import DomainError

    settings = load_settings()
    _prepare(settings)

    async def run() -> str:
        db = Database(settings.resolved_database_url)
        try:
            async with db.transaction() as session:
                return await work(session)
        finally:
            await db.dispose()

    try:
        print(asyncio.run(run()))
    except DomainError as exc:
        print(f"taskengine: {exc.description}", file=sys.stderr)
        return 1
    return 0


def _requesters_create(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from taskengine.domain.accounts import create_requester

    password = args.password if args.password is not None else getpass.getpass("password: ")
    rate = Decimal(load_settings().commission_rate)

    async def work(session: Any) -> str:
        requester = await create_requester(session, args.email, password, rate)
        return f"requester {requester.id} created: {requester.email} (customer id {requester.customer_id})"

    return _in_transaction(work)


def _requesters_credit(args: argparse.Namespace) -> int:
    from taskengine.domain.accounts import credit_requester
    from taskengine.domain.money import format_usd

    async def work(session: Any) -> str:
        requester = await credit_requester(session, args.email, args.amount)
        return f"{requester.email}: available {format_usd(requester.available)}, frozen {format_usd(requester.frozen)}"

    return _in_transaction(work)


def _workers_create(args: argparse.Namespace) -> int:
    from taskengine.domain.workers import create_worker

    password = args.password if args.password is not None else getpass.getpass("password: ")

    async def work(session: Any) -> str:
        worker = await create_worker(session, args.email, password)
        return f"worker {worker.id} created: {worker.email}"

    return _in_transaction(work)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskengine", description="Backend for mobile crowd work.")
    parser.add_argument("--version", action="version", version=f"taskengine {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", help="address to bind (default: TASKENGINE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: TASKENGINE_PORT or 8000)")
    serve.add_argument(
        "--demo", action="store_true", help="seed a demo requester, worker and campaign, print how to try it"
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(run=_migrate)

    requesters = commands.add_parser("requesters", help="manage requester accounts").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = requesters.add_parser("create", help="create a requester")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="the password (asked for when left out)")
    create.set_defaults(run=_requesters_create)
    credit = requesters.add_parser("credit", help="add money to a requester's available balance")
    credit.add_argument("--email", required=True)
    credit.add_argument("--amount", required=True, help="USD, e.g. 100.00")
    credit.set_defaults(run=_requesters_credit)

    worker_commands = commands.add_parser("workers", help="manage worker accounts").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    new_worker = worker_commands.add_parser("create", help="create a worker")
    new_worker.add_argument("--email", required=True)
    new_worker.add_argument("--password", help="the password (asked for when left out)")
    new_worker.set_defaults(run=_workers_create)

    components = commands.add_parser("components", help="list the component catalogue")
    components.add_argument("--markdown", action="store_true", help="print the README's table of components")
    components.set_defaults(run=_components)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SettingsError as exc:
        print(f"taskengine: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
