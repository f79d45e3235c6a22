"""Start the one server (UI, REST API, MCP): `qa serve [--host H] [--port P] [--source DIR] [--index DIR]`, or
`python app.py` with the same options; checks the address is safe, builds a missing index, then serves."""
from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from .. import environment
from ..config import DEFAULT_INDEX, DEFAULT_SOURCE, MAX_UPLOAD_BYTES, USER_SOURCE, default_sources
from ..environment import PASSWORD_ENV


class ExposureError(Exception):
    """The requested address would expose the app without the safeguards asked for."""


DESCRIPTION = "The qa chat UI: ask, check sources, add articles."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = add_arguments(argparse.ArgumentParser(prog="app.py", description=DESCRIPTION))
    return with_defaults(parser.parse_args(argv))


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The server's options on `p` (`app.py`'s own parser, or `qa serve`'s)."""
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--source", type=Path, action="append", metavar="DIR",
                   help=f"collection folder (repeatable; default {DEFAULT_SOURCE.name}/ and {USER_SOURCE.name}/)")
    p.add_argument("--uploads", type=Path, metavar="DIR",
                   help=f"where uploads are saved and indexed (default {USER_SOURCE.name}/, or the last --source)")
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, metavar="DIR", help="index folder (default index/)")
    p.add_argument("--expose", action="store_true",
                   help=f"allow a --host other than loopback; needs a password in ${PASSWORD_ENV}")
    p.add_argument("--no-auth", action="store_true", help="with --expose: serve without a password (trusted network)")
    p.add_argument("--watch", action="store_true",
                   help="update the index whenever files in the collection folders are added, changed or removed")
    p.add_argument("--user", default="qa", help="user name for the password login (default qa)")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a further host name the app is reached under, e.g. behind a reverse proxy (repeatable); "
                        "requests naming any other host are refused")
    p.add_argument("--allow-network", action="append", default=[], metavar="CIDR",
                   help="a non-public network that Add by address may fetch from, e.g. 10.0.0.0/8 (repeatable; "
                        f"${environment.FETCH_ALLOW_ENV} too); by default only public addresses are fetched")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="serve a sharded index (qa build --shards N) with Ray Serve on the cluster at ADDRESS "
                        "(none: a Ray of this machine's own); needs the cluster extra")
    return p


def with_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """`args` with the default collection folders filled in, and the uploads folder among them."""
    if not args.source:  # the default folders: the user's own is created on demand
        args.source = default_sources()
    args.uploads = args.uploads or args.source[-1]
    if args.uploads not in args.source:  # an upload must be indexed, so its folder is a collection folder
        args.source.append(args.uploads)
    return args


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def login(args: argparse.Namespace, password: str | None) -> tuple[str, str] | None:
    """The (user, password) Gradio asks for, or None; ExposureError when the address needs more care.

    `password` is the one set in the environment (environment.password()), or None.
    """
    if not is_loopback(args.host):
        if not args.expose:
            raise ExposureError(f"--host {args.host} is reachable from other machines: add --expose "
                                f"(and set {PASSWORD_ENV}), or bind to 127.0.0.1")
        if password is None and not args.no_auth:
            raise ExposureError(f"--expose needs a password: set {PASSWORD_ENV}, or pass --no-auth on a trusted network")
    if args.no_auth or password is None:
        return None
    return (args.user, password)


def open_engine(index: Path, sources: list[Path]):
    """The engine over `index`: built from `sources` first if empty, else brought up to date with it (an app
    killed between saving an upload and indexing it leaves the file behind: it is indexed now). Progress and
    warnings go to the console, as with `qa build`; an update that fails is reported and the app starts on
    the index it has."""
    from ..cluster.shards import is_sharded
    from ..console import ConsoleProgress, plain, warn
    from ..engine import Engine
    from ..errors import QAError

    if is_sharded(index):  # built with `qa build --shards N`, which also updates it
        from ..cluster.sharded import ShardedEngine

        engine = ShardedEngine.open(index)
        engine.warm_up()
        return engine
    engine = Engine(index, create=True)
    empty = not engine.documents()
    names = " and ".join(str(s) for s in sources)
    print(f"No index at {index} yet: building it from {names} …" if empty
          else f"Checking {names} for files not in the index …", file=sys.stderr)
    try:
        with ConsoleProgress() as progress:
            report = engine.build(sources, progress=progress, warn=warn)
        print(report.summary(), file=sys.stderr)
    except (QAError, OSError) as exc:
        if empty:
            raise
        print(f"app: warning: the index was not updated: {plain(str(exc))}", file=sys.stderr)
    engine.warm_up()
    return engine


def watch(engine, sources: list[Path], index: Path):
    """Keep the index up to date with files changed by hand in `sources` (in the background); one line each."""
    from ..console import plain, warn
    from ..ingest.watch import Watcher, changed_anything

    def report(event) -> None:
        if event.error or changed_anything(event.report):  # the app's own uploads cause no-op updates
            print(f"app: {plain(event.line())}", file=sys.stderr, flush=True)

    watcher = Watcher(lambda: engine.build(sources, warn=warn), sources, ignore=[index], on_update=report).start()
    print(f"app: watching {' and '.join(str(s) for s in sources)} for changes", file=sys.stderr, flush=True)
    return watcher


def create_app(engine, sources: Path | list[Path], site, uploads: Path | None = None, fetch_allow: tuple = ()):
    """The one server: the chat UI at /, the REST API at /api (docs at /docs), MCP at /mcp; all behind site.auth.

    `fetch_allow`: the non-public networks (qa.ingest.addresses) that Add by address may fetch from."""
    from ..conversations.store import ConversationStore
    from ..ui.chat import ASK_CONCURRENCY, CSS, ChatApp
    from ..ui.style import theme
    from .web import build_app

    conversations = ConversationStore.beside(engine.index_dir)  # the chat keeps them, the REST API reads them
    demo = ChatApp(engine, sources, uploads, fetch_allow=fetch_allow, conversations=conversations).blocks()
    demo.queue(default_concurrency_limit=ASK_CONCURRENCY)
    # Gradio's own MCP server stays off: ours answers with offsets to cite, and gradio[mcp] pins an older pydantic
    return build_app(engine, demo, site, ASK_CONCURRENCY, conversations, max_file_size=MAX_UPLOAD_BYTES,
                     theme=theme(), css=CSS, ssr_mode=False, mcp_server=False, enable_monitoring=False)


def prepare_folders(args: argparse.Namespace) -> None:
    """Create the uploads folder (and its parents) when it does not exist yet, saying so on stderr; every
    other collection folder must exist (LoadError otherwise): a mistyped --source should not index nothing."""
    from ..errors import LoadError

    for folder in args.source:  # checked first, so a refused start leaves no folder behind
        if folder != args.uploads and not folder.is_dir():
            raise LoadError(f"collection folder not found: {folder}")
    if not args.uploads.exists():
        args.uploads.mkdir(parents=True, exist_ok=True)
        print(f"app: created the uploads folder {args.uploads}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Serve until stopped, with `args` from parse_args (or `qa serve`); 2 after a one-line error."""
    from ..errors import QAError
    from ..ingest.addresses import parse_networks

    try:
        auth = login(args, environment.password())
        fetch_allow = parse_networks(environment.fetch_allowed_networks() + args.allow_network)
        if args.uploads.resolve().is_relative_to(DEFAULT_SOURCE.resolve()):
            print(f"app: warning: uploads will be saved in {args.uploads}, among the seed articles the "
                  "repository tracks", file=sys.stderr)
        prepare_folders(args)
        if args.ray is not None:
            from ..cluster.service import connect

            engine = connect(args.index, args.ray)
        else:
            engine = open_engine(args.index, args.source)
        if args.watch:
            watch(engine, args.source, args.index)
    except (ExposureError, QAError, OSError) as exc:
        print(f"app: error: {exc}", file=sys.stderr)
        return 2
    from .web import Site, serve

    site = Site(args.host, args.port, auth, tuple(args.allowed_host))
    serve(create_app(engine, args.source, site, args.uploads, fetch_allow), site)
    return 0
