"""The `qa` command line: build, ask, show, add, watch, eval, serve."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import DEFAULT_INDEX, DEFAULT_SOURCE, MAX_K, MAX_K_JSON, USER_SOURCE, default_sources
from .environment import FETCH_ALLOW_ENV, fetch_allowed_networks
from .console import ConsoleProgress, plain, print_answer, to_json, warn
from .errors import QAError, QuestionError, UsageError
from .serve import startup

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.run(args)
    except QAError as exc:
        print(f"qa: error: {plain(str(exc))}", file=sys.stderr)
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
    except BrokenPipeError:
        pass
    return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa", description="Answer questions about articles with cited excerpts.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", help="index new and changed articles, drop deleted ones")
    b.add_argument("--source", action="append", type=Path, metavar="DIR",
                   help=f"collection folder (repeatable; default {DEFAULT_SOURCE.name}/ and {USER_SOURCE.name}/)")
    b.add_argument("--index", type=Path, default=DEFAULT_INDEX, metavar="DIR", help="index folder")
    b.add_argument("--rebuild", action="store_true", help="re-read and re-embed everything")
    b.add_argument("--json", action="store_true", help="print the summary as JSON")
    b.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="read, split and embed on the Ray cluster at ADDRESS (none: a Ray of this machine's own); "
                        "needs the cluster extra")
    b.add_argument("--shards", type=int, metavar="N",
                   help="split the collection by article into N indexes in INDEX/shard-NN/ (for `qa serve --ray`)")
    b.set_defaults(run=_build)

    a = sub.add_parser("ask", help="answer a question ('-' reads one question a line from stdin)")
    a.add_argument("question")
    a.add_argument("--index", type=Path, default=DEFAULT_INDEX, metavar="DIR")
    a.add_argument("-k", type=int, default=5, help=f"how many excerpts (default 5; up to {MAX_K}, or {MAX_K_JSON} with --json)")
    a.add_argument("--json", action="store_true", help="print JSON (JSONL with '-')")
    a.add_argument("--since", metavar="YYYY-MM-DD", help="only articles dated on or after this day")
    a.add_argument("--until", metavar="YYYY-MM-DD", help="only articles dated on or before this day")
    a.add_argument("--doc", action="append", default=[], metavar="DOC_ID",
                   help="only this article (repeatable); see `qa show` and the ids in answers")
    a.add_argument("--chat", action="store_true",
                   help="with '-': the lines are one conversation (follow-ups understood with the questions "
                        "before them); an empty line starts a new one")
    a.set_defaults(run=_ask)

    s = sub.add_parser("show", help="print a document's metadata and full text")
    s.add_argument("doc_id")
    s.add_argument("--json", action="store_true", help="print JSON: the metadata, `also_in` and the text")
    s.add_argument("--index", type=Path, default=DEFAULT_INDEX, metavar="DIR")
    s.set_defaults(run=_show)

    d = sub.add_parser("add", help="fetch article pages by URL, save them in the collection and index them")
    d.add_argument("urls", nargs="+", metavar="URL")
    d.add_argument("--source", action="append", type=Path, metavar="DIR",
                   help=f"collection folder (repeatable); pages are saved in the first (default {USER_SOURCE.name}/)")
    d.add_argument("--index", type=Path, default=DEFAULT_INDEX, metavar="DIR", help="index folder")
    d.add_argument("--allow-network", action="append", default=[], metavar="CIDR",
                   help=f"also fetch from this non-public network, e.g. 10.0.0.0/8 or 127.0.0.1 (repeatable; "
                        f"${FETCH_ALLOW_ENV} too); by default only public addresses are fetched")
    d.set_defaults(run=_add)

    w = sub.add_parser("watch", help="update the index whenever files in the collection folders change")
    w.add_argument("--source", action="append", type=Path, metavar="DIR",
                   help=f"collection folder (repeatable; default {DEFAULT_SOURCE.name}/ and {USER_SOURCE.name}/)")
    w.add_argument("--index", type=Path, default=DEFAULT_INDEX, metavar="DIR", help="index folder")
    w.set_defaults(run=_watch)

    e = sub.add_parser("eval", help="measure answer quality on a question set, BEIR folder or SQuAD file")
    e.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                   help="BEIR folder, SQuAD .json or JSONL question set; further JSONL sets (e.g. off-topic) are added")
    e.add_argument("--index", type=Path, required=True, metavar="DIR", help="index folder, built or reused")
    e.add_argument("--source", action="append", type=Path, metavar="DIR", help="collection of a JSONL question set")
    e.add_argument("-k", type=int, default=10, help="documents scored per question (default 10)")
    e.add_argument("--split", default="test", help="BEIR qrels split (default test)")
    e.add_argument("--limit", type=int, help="evaluate this many questions, spread evenly over the set")
    e.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    e.add_argument("--compare", action="store_true", help="all three modes in one run")
    e.add_argument("--json", action="store_true")
    e.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="build the index on the Ray cluster at ADDRESS, as `qa build --ray` (docs/scale.md)")
    e.set_defaults(run=_eval)

    v = sub.add_parser("serve", help="start the chat UI, REST API and MCP on one port (builds a missing index)")
    startup.add_arguments(v)
    v.set_defaults(run=_serve)
    return p


def _engine(index: Path, create: bool = False, recover: bool = False):
    from .cluster.sharded import open_index

    return open_index(index, create=create, recover=recover)  # a `--shards` folder: its shards, in this process


def _build(args) -> int:
    from .cluster.shards import build_shards, is_sharded

    sources = args.source or default_sources()
    if args.shards is not None or is_sharded(args.index):
        if args.ray is not None or args.rebuild:
            raise UsageError("--shards builds in this process and updates incrementally: no --ray or --rebuild "
                             "(to start afresh, delete the index folder)")
        with ConsoleProgress() as progress:
            report = build_shards(args.index, sources, args.shards, progress=progress, warn=warn)
        print(json.dumps(report.to_json()) if args.json else report.summary())
        return 0
    engine = _engine(args.index, create=True, recover=args.rebuild)
    if engine.set_aside is not None:
        print(f"qa: the index database could not be read; moved it to {engine.set_aside} and rebuilding",
              file=sys.stderr)
    with ConsoleProgress() as progress:
        if args.ray is None:
            report = engine.build(sources, rebuild=args.rebuild, progress=progress, warn=warn)
        else:
            from .cluster.build import build_on_ray

            report = build_on_ray(engine, sources, args.ray, rebuild=args.rebuild, progress=progress, warn=warn)
    print(json.dumps(report.to_json()) if args.json else report.summary())
    return 0


def _ask(args) -> int:
    from .requests import AskRequest, ask

    engine = _engine(args.index)
    # JSON is for programs, which may want deep lists; text is read by a person
    limit = MAX_K_JSON if args.json else MAX_K
    engine.check_k(args.k, limit)  # once, before any question is read
    try:
        filters = engine.filters(args.since, args.until, args.doc)
    except QuestionError as exc:  # the engine names the field; here it is a flag
        raise QuestionError(f"--{exc}") from None
    if args.question != "-":
        if args.chat:
            raise UsageError("--chat reads a conversation from stdin: give '-' as the question")
        print_answer(ask(engine, AskRequest(args.question, args.k, filters=filters, k_limit=limit)), args.json)
        return 0
    status = 0
    conversation: list[str] = []  # the earlier questions of the current conversation (--chat)
    for line in sys.stdin:
        question = line.rstrip("\n")
        if not question.strip():  # skipped; with --chat it ends the conversation
            conversation = []
            continue
        try:
            print_answer(ask(engine, AskRequest(question, args.k, conversation, filters, limit)), args.json)
        except QuestionError as exc:  # one bad line does not end the batch
            print(f"qa: error: {plain(str(exc))}", file=sys.stderr)
            status = EXIT_USAGE
        if args.chat:
            conversation.append(question)
        sys.stdout.flush()
    return status


def _show(args) -> int:
    engine = _engine(args.index)
    doc = engine.document(args.doc_id)
    if args.json:
        print(to_json({"doc_id": doc.doc_id, "title": doc.title, "byline": doc.byline, "date": doc.date,
                       "date_text": doc.date_text, "url": doc.url, "source": doc.doc_id, "sha256": doc.sha256,
                       "also_in": list(engine.also_in(doc.doc_id)), "text": doc.text}))
        return 0
    written = f" ({doc.date_text})" if doc.date_text and doc.date_text != doc.date else ""
    for label, value in (("title", doc.title), ("byline", doc.byline), ("date", (doc.date or "") + written),
                         ("url", doc.url), ("file", doc.source), ("id", doc.doc_id),
                         ("also in", ", ".join(engine.also_in(doc.doc_id)))):
        if value:
            print(plain(f"{label:>7}: {value}"))
    print()
    print(plain(doc.text))
    return 0


def _add(args) -> int:
    from .ingest.addresses import parse_networks
    from .collection import add_pages
    from .ingest.fetch import fetch

    folder, sources = _add_folders(args.source)
    allow = parse_networks(fetch_allowed_networks() + args.allow_network)
    pages, failed = [], []
    for url in args.urls:  # every page is fetched and checked before anything is saved
        try:
            pages.append(fetch(url, allow=allow))
        except QAError as exc:
            failed.append(str(exc))
    if not failed:
        with ConsoleProgress() as progress:
            change = add_pages(_engine(args.index, create=True), pages, folder, sources, progress=progress, warn=warn)
        failed = change.errors
        for doc_id, url in change.files.items():
            print(plain(f"added {doc_id} from {url}"))
    for line in failed:
        print(f"qa: error: {plain(line)}", file=sys.stderr)
    return EXIT_USAGE if failed else 0


def _add_folders(named: list[Path] | None) -> tuple[Path, list[Path]]:
    """(the folder pages are saved in, the folders indexed): the first --source, else the user's folder."""
    if named:
        return named[0], named
    return USER_SOURCE, default_sources()


def _watch(args) -> int:
    from .ingest.watch import Watcher, changed_anything

    sources = args.source or default_sources()
    engine = _engine(args.index, create=True)
    with ConsoleProgress() as progress:
        print(engine.build(sources, progress=progress, warn=warn).summary(), flush=True)

    def report(event) -> None:
        if event.error or changed_anything(event.report):
            print(plain(event.line()), flush=True)

    watcher = Watcher(lambda: engine.build(sources, warn=warn), sources, ignore=[args.index], on_update=report)
    watcher.start()
    print(f"watching {' and '.join(str(s) for s in sources)} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        watcher.wait()
    except KeyboardInterrupt:  # the way to stop watching: not an error
        print("watch: stopped", file=sys.stderr)
    finally:
        watcher.stop()
    return 0


def _eval(args) -> int:
    from .evaluation.scoring import MODES, evaluate, format_table

    modes = MODES if args.compare else (args.mode,)
    build = None
    if args.ray is not None:
        from .cluster.build import build_on_ray

        def build(engine, folders, warn):
            return build_on_ray(engine, folders, args.ray, warn=warn)
    report = evaluate(args.inputs, args.index, args.source, args.split, args.k, args.limit, modes,
                      progress=lambda msg: print(msg, file=sys.stderr), build=build)
    print(json.dumps(report) if args.json else format_table(report))
    return 0


def _serve(args) -> int:
    return startup.run(startup.with_defaults(args))


if __name__ == "__main__":
    sys.exit(main())
