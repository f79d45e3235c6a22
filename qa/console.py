"""Build progress on the console, shared by `qa build` and `app.py`."""
from __future__ import annotations

import sys


class ConsoleProgress:
    """A progress bar on stderr that appears with the first passage to embed; use as a context manager."""

    def __init__(self, desc: str = "embedding"):
        self.desc = desc
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="passage", desc=self.desc, file=sys.stderr)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def __enter__(self) -> "ConsoleProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
