"""Console output shared by `qa` and `app.py`: build progress, answers, and text made safe for a terminal."""
from __future__ import annotations

import json
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


# Article text is untrusted: ESC, BEL and C1 controls would reach the terminal as commands (clear the
# screen, set the window title, plant OSC 8 links). Human output shows them as U+FFFD; lines and tabs stay.
# JSON escapes U+0000-U+001F itself but passes DEL and C1 through when ensure_ascii is off
JSON_C1 = {c: f"\\u{c:04x}" for c in range(0x7F, 0xA0)}


def print_answer(answer, as_json: bool) -> None:
    """`qa ask`'s output of one answer: one line of JSON, or the excerpts for a person (marked, made safe)."""
    if as_json:
        print(to_json(answer.to_json()))
        return
    tty = sys.stdout.isatty()
    if answer.searched_for and answer.searched_for != answer.question:  # a follow-up, understood with earlier turns
        print(plain(f"(searched for: {answer.searched_for})\n"))
    if not answer.answered:
        print(f"{answer.message} The closest excerpts are shown below, unmarked.\n")
    for e in answer.excerpts:
        c = e.citation
        print(f"[{e.rank}] score {e.score:.3f}")
        print("    " + marked(e, tty).replace("\n", "\n    "))
        print(plain(f"    — {c.title or c.doc_id}" + (f", {c.date}" if c.date else "")
                    + f" · {c.doc_id} · chars {c.start}–{c.end}\n"))
    print(f"({answer.took_ms:.0f} ms)")


def marked(excerpt, tty: bool) -> str:
    """The excerpt with its highlighted sentence(s) marked: bold on a terminal, **…** elsewhere."""
    on, off = ("\033[1;4m", "\033[0m") if tty else ("**", "**")
    text, base, out, pos = excerpt.text, excerpt.citation.start, [], 0
    spans = excerpt.highlight if excerpt.supporting else ()  # only excerpts that hold the answer are marked
    for s, e in spans:  # cut by offsets first, then made safe: the marks are the only escapes
        out += [plain(text[pos:s - base]), on, plain(text[s - base:e - base]), off]
        pos = e - base
    return "".join(out + [plain(text[pos:])])


def to_json(obj) -> str:
    """One line of JSON, non-ASCII kept readable but every control character escaped."""
    return json.dumps(obj, ensure_ascii=False).translate(JSON_C1)
