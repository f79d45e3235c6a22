"""The embedding sessions' batch runner: each batch once, progress in the caller's thread, a clean stop."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.embed.onnx_model import run_side_by_side


@pytest.fixture
def pool():
    with ThreadPoolExecutor(2) as executor:
        yield executor


def test_every_batch_runs_once_and_progress_counts_inputs_in_the_callers_thread(pool):
    sizes = [16] * 9 + [5]
    ran: list[tuple[int, str]] = []
    reports: list[tuple[int, bool]] = []
    caller = threading.get_ident()
    run_side_by_side(["a", "b"], sizes, lambda n, worker: ran.append((n, worker)), pool,
                     lambda done: reports.append((done, threading.get_ident() == caller)))
    assert sorted(n for n, _ in ran) == list(range(len(sizes)))
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert reports[-1][0] == sum(sizes) and len(reports) == len(sizes)
    assert all(in_caller for _, in_caller in reports)


def test_a_raising_progress_stops_the_workers_before_returning(pool):
    """Ctrl-C during a build: no session may go on embedding, or still be running, once the caller has it."""
    active, started = [0], []
    lock = threading.Lock()

    def run(n: int, worker) -> None:
        with lock:
            active[0] += 1
            started.append(n)
        threading.Event().wait(0.01)
        with lock:
            active[0] -= 1

    def interrupt(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_side_by_side(["a", "b"], [1] * 50, run, pool, interrupt)
    assert active[0] == 0
    assert len(started) <= 3  # the batch reported, and at most one more a worker: never the other 47


def test_a_workers_error_reaches_the_caller(pool):
    def run(n: int, worker) -> None:
        if n == 3:
            raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        run_side_by_side(["a", "b"], [1] * 8, run, pool)
