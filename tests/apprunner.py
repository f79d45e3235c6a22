"""Run `python app.py` as a real server for tests and benchmarks: a free port, wait until it answers, stop it."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def launch(args: list[str], host: str = "127.0.0.1", **popen) -> tuple[subprocess.Popen, str, int]:
    """Start app.py with `args` on a free port of `host`; return the process, its URL and port (not waited for)."""
    port = free_port(host)
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args], **popen)
    return proc, f"http://{host}:{port}/", port


def wait_until_up(proc: subprocess.Popen, url: str, timeout: float, poll: float = 0.5) -> bool:
    """True once `url` answers; False if the process ends or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return True
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(poll)


@contextmanager
def running_app(base: Path, args: list[str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """app.py with `args` (run in `base`, its output in base/app.log) while the block runs: (its URL, its process).
    The test fails, showing the log's end, when it does not answer within 300 s."""
    import pytest

    with open(base / "app.log", "w") as log:
        proc, url, _ = launch(args, stdout=log, stderr=subprocess.STDOUT, cwd=base)
        try:
            if not wait_until_up(proc, url, timeout=300):
                proc.kill()
                pytest.fail(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
            yield url, proc
        finally:
            stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Ask the process to end; kill it if it has not within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_clients(clients: int, target, *args) -> float:
    """Run `target(*args, client_number)` in `clients` threads at once; return the wall time until all end."""
    import threading

    started = time.monotonic()
    threads = [threading.Thread(target=target, args=(*args, i)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started
