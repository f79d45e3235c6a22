"""Console output shared by `qa` and `app.py`: build progress, and text made safe for a terminal."""
from __future__ import annotations

import sys

# control characters (ESC, BEL, DEL, C1) would let an article drive the terminal: shown as U+FFFD instead
_CONTROLS = {c: "\ufffd" for c in (*range(0x20), *range(0x7f, 0xa0)) if chr(c) not in "\n\t"} | {0x0D: "\n"}


UNITS = {"reading": "article", "embedding": "passage"}  # what each build stage counts


class ConsoleProgress:
    """Build progress on stderr: a bar a stage, named before its work starts ("embedding 15 passages").

    Use as a context manager; it is the `progress` callback of `Engine.build`."""

    def __init__(self):
        self.stage: str | None = None  # the stage whose bar is open
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage and total:
            from tqdm import tqdm

            self.close()
            unit = UNITS.get(stage, "item")
            self.stage = stage
            # mininterval 0: every report is drawn (they come every 64 passages), so the bar never stands still
            self.bar = tqdm(total=total, unit=unit, desc=f"{stage} {total} {unit}{'s' if total != 1 else ''}",
                            file=sys.stderr, mininterval=0)
        if self.bar is not None and stage == self.stage:
            if done > self.bar.n:  # the bar was drawn at 0 when it opened
                self.bar.update(done - self.bar.n)
            if done >= total:  # ends its line: warnings printed next start on their own
                self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar = self.stage = None

    def __enter__(self) -> "ConsoleProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def plain(text: str) -> str:
    """`text` safe to print on a terminal: control characters replaced, CR LF as LF."""
    return text.replace("\r\n", "\n").translate(_CONTROLS)


def warn(message: str) -> None:
    """A build's warning (a file skipped, a page not saved) on stderr, made safe for the terminal."""
    print(f"warning: {plain(message)}", file=sys.stderr)
