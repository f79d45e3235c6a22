"""Watch the collection folders and update the index when files are added, changed or removed by hand."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import WATCH_DEBOUNCE_MS
from ..errors import BuildLocked, QAError
from ..records import BuildReport

# Files being written or kept by editors and browsers: a build waits for the finished file instead
TEMP_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".download", ".swp", ".swx", ".deleting")
QUIET_MS = 300  # an update waits until no file has changed for this long (and at most WATCH_DEBOUNCE_MS)
RETRY_SECONDS = 5.0  # after another process's build held the index lock


@dataclass(frozen=True)
class WatchEvent:
    """One update the watcher ran: its report, or the one-line error that stopped it."""

    number: int  # 1, 2, ...: updates run so far (tests count these)
    changes: int  # file changes seen since the previous update
    report: BuildReport | None
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"watch: update {self.number} failed: {self.error}"
        return f"watch: update {self.number} ({self.changes} file changes): {self.report.summary()}"


def wanted(path: Path, roots: list[Path], ignore: list[Path]) -> bool:
    """Whether a change to `path` concerns an article: not hidden, not a temp or backup file, not in `ignore`."""
    path = Path(path)
    if any(path.is_relative_to(folder) for folder in ignore):
        return False
    root = next((r for r in roots if path.is_relative_to(r)), None)
    parts = path.relative_to(root).parts if root else (path.name,)
    if any(part.startswith(".") for part in parts):
        return False
    name = path.name.lower()
    return not (name.endswith("~") or name.endswith(TEMP_SUFFIXES) or ".tmp" in name or name.startswith("~$"))


class Watcher:
    """Runs `build` after changes under `folders`: debounced, one build at a time; a change during a build
    causes exactly one more build after it. `on_update` hears every update (its line is `event.line()`)."""

    def __init__(self, build: Callable[[], BuildReport], folders: list[Path], ignore: list[Path] = (),
                 on_update: Callable[[WatchEvent], None] | None = None, debounce_ms: int = WATCH_DEBOUNCE_MS):
        self.build = build
        self.folders = [Path(f).resolve() for f in folders]
        self.ignore = [Path(f).resolve() for f in ignore]
        self.on_update = on_update or (lambda event: None)
        self.debounce_ms = debounce_ms
        self.updates = 0  # updates run so far
        self.seen = 0  # file changes heard so far
        self._changes = 0
        self._lock = threading.Lock()
        self._pending = threading.Event()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Watcher:
        """Start watching in two daemon threads (one hears changes, one builds); returns once watching."""
        for target, name in ((self._listen, "qa-watch"), (self._run_builds, "qa-watch-build")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._ready.wait(timeout=30)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._pending.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait(self) -> None:
        """Block until stop() is called (or Ctrl-C)."""
        while not self._stop.wait(timeout=1.0):
            pass

    def _listen(self) -> None:
        import watchfiles

        def keep(_change, path: str) -> bool:
            return wanted(Path(path), self.folders, self.ignore)

        # the first (empty) yield after QUIET_MS shows the watcher is running: start() returns then, so a
        # file written right after it is seen
        for changes in watchfiles.watch(*self.folders, watch_filter=keep, debounce=self.debounce_ms, step=QUIET_MS,
                                        rust_timeout=QUIET_MS, yield_on_timeout=True, stop_event=self._stop,
                                        raise_interrupt=False):
            self._ready.set()
            if not changes:
                continue
            with self._lock:
                self._changes += len(changes)
                self.seen += len(changes)
            self._pending.set()

    def _run_builds(self) -> None:
        while True:
            self._pending.wait()
            if self._stop.is_set():
                return
            self._pending.clear()  # changes from here on cause one more build after this one
            with self._lock:
                changes, self._changes = self._changes, 0
            self.updates += 1
            try:
                event = WatchEvent(self.updates, changes, self.build())
            except BuildLocked as exc:  # another process is building: try again shortly
                event = WatchEvent(self.updates, changes, None, str(exc))
                self._retry_later(changes)
            except (QAError, OSError) as exc:
                event = WatchEvent(self.updates, changes, None, str(exc))
            self.on_update(event)

    def _retry_later(self, changes: int) -> None:
        with self._lock:
            self._changes += changes
        threading.Timer(RETRY_SECONDS, self._pending.set).start()


def changed_anything(report: BuildReport) -> bool:
    return bool(report.added or report.updated or report.removed or report.skipped or report.repaired)
