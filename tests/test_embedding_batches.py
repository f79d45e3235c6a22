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


@pytest.mark.parametrize("raise_when", ["inside", "done"])
def test_a_raising_progress_stops_the_workers_after_their_current_batch(pool, raise_when):
    """Ctrl-C during a build: no session may go on embedding, or still be running, once the caller has it.

    The test decides the interleaving: batches 2 and 3 (one in each worker: a worker held in one cannot take
    the other) meet the caller's first report once both are inside, and, for "done", again once both have
    finished; then the report raises. The workers are then as far ahead of the reports handled (none) as they
    may get, two batches each: so however the threads are scheduled, batches 0-3 run to the end before the
    call raises, and none of the other 46 starts, even when the workers are free to take one ("done").
    """
    started, finished = [], []
    meet = threading.Barrier(3)  # the two held workers and the caller's first report

    def run(n: int, worker) -> None:
        started.append(n)
        if n in (2, 3):
            meet.wait()
            if raise_when == "done":
                finished.append(n)
                meet.wait()
                return
        finished.append(n)

    def interrupt(done: int) -> None:
        meet.wait()
        if raise_when == "done":
            meet.wait()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_side_by_side(["a", "b"], [1] * 50, run, pool, interrupt)
    assert sorted(started) == sorted(finished) == [0, 1, 2, 3]


def test_a_workers_error_reaches_the_caller(pool):
    def run(n: int, worker) -> None:
        if n == 3:
            raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        run_side_by_side(["a", "b"], [1] * 8, run, pool)
