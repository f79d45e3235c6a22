"""Empty answers while CLI rebuilds commit: N clients ask the app while `qa build --rebuild` runs again and again.

Issue 13, defect 1: with the app answering 20 clients and `qa build --rebuild` running from the command line,
6 of 600 answers had no excerpts (one per rebuild commit), because candidates came from one generation and
passages from the next. This starts `app.py` on a free 127.0.0.1 port over a copy of seeds/ plus generated
articles, runs the clients (gradio_client, the `ask` endpoint) while a loop rebuilds the index from the
command line, and prints how many answers were empty (must be 0), errors, and how many rebuilds committed
while the clients asked. Bounded: every client stops at its question count or at --max-seconds.

    .venv/bin/python benchmarks/rebuild_load.py [--clients 20] [--questions 30] [--max-seconds 900] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests import apprunner  # noqa: E402  the app-process helpers the tests use
from tests.support import SEED_QUESTION, question, write_collection  # noqa: E402

ARTICLES = 16


def ask_loop(url: str, questions: int, deadline: float, counts: dict, lock: threading.Lock, number: int) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for i in range(questions):
        if time.monotonic() > deadline:
            break
        asked = SEED_QUESTION if (number + i) % 3 == 0 else question((number + i) % ARTICLES)
        try:
            answer = client.predict(asked, 5, api_name="/ask")
            outcome = "answered" if answer.get("excerpts") else "empty"
        except Exception:  # noqa: BLE001 - every failure counts
            outcome = "errors"
        with lock:
            counts[outcome] += 1


def rebuild_loop(source: Path, index: Path, stop: threading.Event, done: list) -> None:
    while not stop.is_set():
        run = subprocess.run([sys.executable, "-m", "qa.cli", "build", "--rebuild", "--source", str(source),
                              "--index", str(index)], capture_output=True, text=True)
        done.append(run.returncode)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--questions", type=int, default=30, help="per client")
    p.add_argument("--max-seconds", type=float, default=900)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-rebuild-load-") as tmp:
        base = Path(tmp)
        source, index = base / "articles", base / "index"
        shutil.copytree(ROOT / "seeds", source)
        write_collection(source, 0, range(0), range(ARTICLES))
        log = open(base / "app.log", "w")
        app, url, _ = apprunner.launch(["--source", str(source), "--index", str(index)], stdout=log,
                                       stderr=subprocess.STDOUT, cwd=base)
        if not apprunner.wait_until_up(app, url, timeout=600):
            app.kill()
            sys.exit(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
        counts = {"answered": 0, "empty": 0, "errors": 0}
        lock, stop, rebuilds = threading.Lock(), threading.Event(), []
        try:
            rebuilder = threading.Thread(target=rebuild_loop, args=(source, index, stop, rebuilds))
            rebuilder.start()
            deadline = time.monotonic() + args.max_seconds
            wall = apprunner.run_clients(args.clients, ask_loop, url, args.questions, deadline, counts, lock)
            stop.set()
            rebuilder.join()
        finally:
            apprunner.stop(app)
            log.close()
    report = {**counts, "asked": sum(counts.values()), "rebuilds_committed": rebuilds.count(0),
              "rebuilds_failed": len(rebuilds) - rebuilds.count(0), "wall_s": round(wall, 1),
              "load_average": round(os.getloadavg()[0], 2)}
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>20}: {value}")
    return 0 if counts["empty"] == 0 and counts["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
