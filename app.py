"""Serve the UI, REST API and MCP: `python app.py [--host H] [--port P] [--source DIR] [--index DIR]`; builds a missing index."""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from qa.config import DEFAULT_INDEX, DEFAULT_SOURCE, MAX_UPLOAD_BYTES

PASSWORD_ENV = "QA_PASSWORD"


class ExposureError(Exception):
    """The requested address would expose the app without the safeguards asked for."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="app.py", description="The qa chat UI: ask, check sources, add articles.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--source", type=Path, default=DEFAULT_SOURCE, metavar="DIR",
                   help="collection folder; uploads are saved here (default seeds/)")
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, metavar="DIR", help="index folder (default index/)")
    p.add_argument("--expose", action="store_true",
                   help=f"allow a --host other than loopback; needs a password in ${PASSWORD_ENV}")
    p.add_argument("--no-auth", action="store_true", help="with --expose: serve without a password (trusted network)")
    p.add_argument("--user", default="qa", help=f"user name for the password login (default qa)")
    return p.parse_args(argv)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def login(args: argparse.Namespace, env=os.environ) -> tuple[str, str] | None:
    """The (user, password) Gradio asks for, or None; ExposureError when the address needs more care."""
    password = env.get(PASSWORD_ENV) or None
    if not is_loopback(args.host):
        if not args.expose:
            raise ExposureError(f"--host {args.host} is reachable from other machines: add --expose "
                                f"(and set {PASSWORD_ENV}), or bind to 127.0.0.1")
        if password is None and not args.no_auth:
            raise ExposureError(f"--expose needs a password: set {PASSWORD_ENV}, or pass --no-auth on a trusted network")
    if args.no_auth or password is None:
        return None
    return (args.user, password)


def open_engine(index: Path, source: Path):
    """The engine over `index`, built from `source` first (as `qa build` does, progress on the console) if empty."""
    from qa import cli
    from qa.engine import Engine
    from qa.errors import IndexUnavailable

    engine = Engine(index, create=True)
    try:
        engine.warm_up()
    except IndexUnavailable:
        print(f"No index at {index} yet: building it from {source} …", file=sys.stderr)
        if cli.main(["build", "--source", str(source), "--index", str(index)]) != 0:
            raise IndexUnavailable(f"could not build the index at {index}; see the message above") from None
        engine.warm_up()
    return engine


def create_app(engine, source: Path, site):
    """The one server: the chat UI at /, the REST API at /api (docs at /docs), MCP at /mcp; all behind site.auth."""
    from qa.ui import ASK_CONCURRENCY, CSS, ChatApp, theme
    from qa.web import build_app

    demo = ChatApp(engine, source).blocks()
    demo.queue(default_concurrency_limit=ASK_CONCURRENCY)
    # Gradio's own MCP server stays off: ours answers with offsets to cite, and gradio[mcp] pins an older pydantic
    return build_app(engine, demo, site, ASK_CONCURRENCY, max_file_size=MAX_UPLOAD_BYTES, theme=theme(), css=CSS,
                     ssr_mode=False, mcp_server=False, enable_monitoring=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from qa.errors import LoadError, QAError

    try:
        auth = login(args)
        if not args.source.is_dir():
            raise LoadError(f"collection folder not found: {args.source}")
        engine = open_engine(args.index, args.source)
    except (ExposureError, QAError, OSError) as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 2
    from qa.web import Site, serve

    site = Site(args.host, args.port, auth)
    serve(create_app(engine, args.source, site), site)
    return 0


if __name__ == "__main__":
    sys.exit(main())
