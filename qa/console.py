"""Console output shared by `qa` and `app.py`: build progress, and text made safe for a terminal."""
from __future__ import annotations

import sys

# control characters (ESC, BEL, DEL, C1) would let an article drive the terminal: shown as U+FFFD instead
_CONTROLS = {c: "\ufffd" for c in (*range(0x20), *range(0x7f, 0xa0)) if chr(c) not in "\n\t"} | {0x0D: "\n"}


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


def plain(text: str) -> str:
    """`text` safe to print on a terminal: control characters replaced, CR LF as LF."""
    return text.replace("\r\n", "\n").translate(_CONTROLS)
