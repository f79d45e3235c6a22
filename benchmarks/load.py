"""Load test on loopback: N concurrent clients x M questions to the app's `ask` endpoint while uploads are indexed.

Starts `app.py` on a free 127.0.0.1 port over a temporary copy of seeds/, uploads long articles through the
browser (headless chromium, the same file input a user clicks) one after another for as long as the clients
run, and prints errors (must be 0), p50/p95/max latency and how many questions were answered while an
upload was being indexed. Bounded: every client stops at its question count or at --max-seconds.

    .venv/bin/python -m benchmarks.load [--clients 20] [--questions 50] [--max-seconds 900] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from tests import apprunner  # the app-process helpers the tests use
from tests.support import gradio_client, long_article  # gradio_client: waits as a loaded machine needs
QUESTIONS = [
    "When did China ban the sale of fentanyl?",
    "Which US agencies sent officials to the meeting with China?",
    "What is the Counternarcotics Working Group?",
    "What are fentanyl precursors?",
    "How many barges did the keepers of lock 5 record?",
    "中国什么时候禁止销售芬太尼？",
    '"fentanyl" AND (China OR NEAR:precursors*)',
    "<script>alert(1)</script> who wrote the article?",
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def start_app(base: Path) -> tuple[subprocess.Popen, str, Path]:
    collection = base / "articles"
    shutil.copytree(ROOT / "seeds", collection)
    log = open(base / "app.log", "w")
    proc, url, _ = apprunner.launch(["--source", str(collection), "--index", str(base / "index")],
                                    stdout=log, stderr=subprocess.STDOUT, cwd=base)
    if not apprunner.wait_until_up(proc, url, timeout=300):
        proc.kill()
        sys.exit(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
    return proc, url, collection


class Uploader(threading.Thread):
    """Uploads one long article after another through the browser until stopped; records indexing periods."""

    def __init__(self, url: str, collection: Path, workdir: Path):
        super().__init__(daemon=True)
        self.url, self.collection, self.workdir = url, collection, workdir
        self.stop = threading.Event()
        self.indexing: list[tuple[float, float]] = []  # (saved, ready) monotonic-clock periods
        self.current: float | None = None  # when the upload being indexed now was saved
        self.error: str | None = None

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - reported, the clients' figures still count
            self.error = f"{type(exc).__name__}: {exc}"

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(self.url)
            page.get_by_role("tab", name="Collection").click()
            n = 0
            while not self.stop.is_set():
                n += 1
                name = f"marlow_report_{n}.txt"
                upload = self.workdir / name
                upload.write_text(long_article(n), encoding="utf-8")
                page.locator("#qa-upload input[type=file]").set_input_files(str(upload))
                while not (self.collection / name).exists():  # saved just before indexing starts
                    time.sleep(0.02)
                self.current = time.monotonic()
                page.locator("#qa-build-result").get_by_text(f"{name}: added and ready").wait_for(timeout=900_000)
                self.indexing.append((self.current, time.monotonic()))
                self.current = None
            browser.close()


def client_run(url: str, questions: int, deadline: float, results: list, errors: list, index: int) -> None:
    client = gradio_client(url)
    for i in range(questions):
        if time.monotonic() > deadline:
            errors.append(f"client {index}: stopped at the time limit after {i} questions")
            return
        question = QUESTIONS[(index + i) % len(QUESTIONS)]
        started = time.monotonic()
        try:
            answer = client.predict(question, 5, api_name="/ask")
            if not answer.get("excerpts"):
                raise ValueError("no excerpts")
        except Exception as exc:  # noqa: BLE001 - every failure counts as an error
            errors.append(f"client {index}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        results.append((started, time.monotonic()))


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--questions", type=int, default=50, help="per client")
    p.add_argument("--max-seconds", type=float, default=900, help="hard bound on the whole run")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    with tempfile.TemporaryDirectory(prefix="qa-load-") as tmp:
        base = Path(tmp)
        app, url, collection = start_app(base)
        try:
            uploader = Uploader(url, collection, base)
            uploader.start()
            while uploader.current is None and uploader.error is None:
                time.sleep(0.05)  # the first upload is being indexed before the clients start
            results: list = []
            errors: list = []
            deadline = time.monotonic() + args.max_seconds
            wall = apprunner.run_clients(args.clients, client_run, url, args.questions, deadline, results, errors)
            periods = uploader.indexing + ([(uploader.current, float("inf"))] if uploader.current else [])
            uploader.stop.set()
            uploader.join(timeout=900)
        finally:
            apprunner.stop(app)
    latencies = sorted((end - start) * 1000 for start, end in results)
    during = sum(1 for start, end in results if any(s <= start and end <= e for s, e in periods))
    report = {
        "clients": args.clients, "questions_per_client": args.questions, "answered": len(results),
        "errors": len(errors), "error_samples": errors[:5], "wall_s": round(wall, 1),
        "p50_ms": round(percentile(latencies, 50)) if latencies else None,
        "p95_ms": round(percentile(latencies, 95)) if latencies else None,
        "max_ms": round(latencies[-1]) if latencies else None,
        "throughput_qps": round(len(results) / wall, 1) if wall else None,
        "uploads_indexed": len(uploader.indexing), "answered_during_indexing": during,
        "uploader_error": uploader.error, "load_average": os.getloadavg()[0],
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>26}: {value}")
    return 0 if not errors and uploader.error is None and len(results) == args.clients * args.questions else 1


if __name__ == "__main__":
    sys.exit(main())
