"""Time the chat app's `ask` API over loopback: start-up, idle latency, and latency while an article is indexed.

Usage: .venv/bin/python -m benchmarks.api_latency [--questions 40] [--lines 1500]
Serves a temporary copy of seeds/ in-process (the same ChatApp as app.py) and prints one line per measurement.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from tests.apprunner import free_port
from tests.support import gradio_client  # waits as a loaded machine needs, not gradio_client's 5 s
QUESTIONS = ["When did China ban the sale of fentanyl?", "What is the Counternarcotics Working Group?",
             "International Narcotics Control Board", "How many fentanyl pills were seized on July 1?"]


def big_article(lines: int) -> str:
    """Distinct made-up lines (about 2.7 a passage), so nothing comes from the vector cache."""
    return "Harbour almanac\n" + "".join(f"Line {i}: ferry {i * 7919 % 10007} carried {i * 104729 % 9973} "
                                         f"passengers past buoy {i * 31 % 997} in week {i % 52}.\n"
                                         for i in range(lines))


def latencies(client, n: int) -> list[float]:
    took = []
    for i in range(n):
        started = time.perf_counter()
        client.predict(QUESTIONS[i % len(QUESTIONS)], 5, api_name="/ask")
        took.append((time.perf_counter() - started) * 1000)
    return took


def report(label: str, took: list[float]) -> None:
    took = sorted(took)
    p95 = took[min(len(took) - 1, int(round(0.95 * (len(took) - 1))))]
    print(f"{label}: n={len(took)} p50={statistics.median(took):.0f} ms p95={p95:.0f} ms max={took[-1]:.0f} ms")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--questions", type=int, default=40)
    args.add_argument("--lines", type=int, default=1500, help="lines of the article indexed during the second run")
    opts = args.parse_args()

    from qa.engine import Engine
    from qa.ui.chat import ASK_CONCURRENCY, ChatApp

    with tempfile.TemporaryDirectory() as tmp:
        collection = Path(tmp) / "articles"
        shutil.copytree(ROOT / "seeds", collection)
        index = Path(tmp) / "index"
        subprocess.run([sys.executable, "-m", "qa.cli", "build", "--source", str(collection), "--index", str(index)],
                       check=True, capture_output=True, cwd=ROOT)
        started = time.perf_counter()
        engine = Engine(index)  # what app.py does when the index exists: open it, load the model, warm up
        engine.warm_up()
        print(f"start-up (open index, load model, warm up): {time.perf_counter() - started:.1f} s")
        demo = ChatApp(engine, collection).blocks().queue(default_concurrency_limit=ASK_CONCURRENCY)
        _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                                ssr_mode=False, share=False)
        client = gradio_client(url)
        report("ask, idle", latencies(client, opts.questions))

        (collection / "almanac.txt").write_text(big_article(opts.lines), encoding="utf-8")
        build = threading.Thread(target=lambda: print("update:", engine.build([collection]).summary()))
        build.start()
        time.sleep(0.5)
        during = []
        while build.is_alive():
            during += latencies(client, 1)
        build.join()
        report("ask, while the update runs", during)
        demo.close()


if __name__ == "__main__":
    main()
