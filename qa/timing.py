"""Stage timing points (`with timing.stage("retrieve"):`): a no-op unless a benchmark opens `timing.recording()`."""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class StageTimes:
    """Exclusive seconds per stage: the time inside a timing point, less that of the points nested in it.

    Each thread keeps its own stack of open points. The main thread's stages (`seconds`) add up to at most the
    run's wall time; what other threads spend (the build's model sessions run in a pool) goes to
    `thread_seconds`, summed over those threads, so it can exceed the wall time it overlaps.
    """

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.thread_seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.open_points = threading.local()  # .stack: per open point, [seconds spent in points nested in it]
        self.adding = threading.Lock()

    def stack(self) -> list[list[float]]:
        if not hasattr(self.open_points, "stack"):
            self.open_points.stack = []
        return self.open_points.stack

    def add(self, name: str, spent: float, nested: float) -> None:
        main = threading.current_thread() is threading.main_thread()
        with self.adding:
            (self.seconds if main else self.thread_seconds)[name] += spent - nested
            self.calls[name] += 1


class TimedStage:
    """One open timing point of `times`."""

    def __init__(self, times: StageTimes, name: str):
        self.times, self.name = times, name

    def __enter__(self) -> None:
        self.stack = self.times.stack()
        self.stack.append([0.0])
        self.started = time.perf_counter()

    def __exit__(self, *exc) -> None:
        spent = time.perf_counter() - self.started
        nested = self.stack.pop()[0]
        self.times.add(self.name, spent, nested)
        if self.stack:
            self.stack[-1][0] += spent


class NoTiming:
    """What `stage` returns while nothing records: enters and leaves at once."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        return None


NO_TIMING = NoTiming()
recorder: StageTimes | None = None  # set by `recording()` only; None: every timing point is a no-op


def stage(name: str) -> TimedStage | NoTiming:
    """A timing point: `with stage("BM25"): ...` adds its exclusive time to `name` while a recording is open."""
    return NO_TIMING if recorder is None else TimedStage(recorder, name)


@contextmanager
def recording() -> Iterator[StageTimes]:
    """Record every timing point reached until the block ends (one recording at a time, any thread)."""
    global recorder
    if recorder is not None:
        raise RuntimeError("a stage timing recording is already open")
    recorder = StageTimes()
    try:
        yield recorder
    finally:
        recorder = None
