"""The `taskengine` command: run the service and operate it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from taskengine import __version__
from taskengine.settings import SettingsError, load_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from taskengine.api import create_app

    settings = load_settings(host=args.host, port=args.port)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    print(f"taskengine {__version__} on http://{settings.host}:{settings.port} (data in {settings.data_dir.resolve()})")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level, server_header=False)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskengine", description="Backend for mobile crowd work.")
    parser.add_argument("--version", action="version", version=f"taskengine {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", help="address to bind (default: TASKENGINE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: TASKENGINE_PORT or 8000)")
    serve.set_defaults(run=_serve)

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
