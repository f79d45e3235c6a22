"""Extract a PDF's text in a worker process, within the page, character and time limits of LoadSettings."""
from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from ..config import LoadSettings
from ..errors import LoadError

_ROOT = str(Path(__file__).resolve().parents[2])


class _TooLong(Exception):
    """Raised from pypdf's text callback to stop extracting a page as soon as the limit is passed."""


def pdf_text(data: bytes, limits: LoadSettings) -> tuple[str, dict]:
    """The text of a PDF with its title and author, or LoadError with a one-line reason.

    The counts stop a bomb early, but pypdf parses a page's whole content stream before it yields any text,
    and a crafted page can take minutes: only a separate process can be stopped then.
    """
    reply = _WORKER.run(data, limits)
    if "error" in reply:
        raise LoadError(reply["error"])
    return reply["text"], reply["meta"]


class _Worker:
    """One `python -c "…serve()"` process, reused file after file (a fresh interpreter and pypdf import cost
    ~0.3 s), replaced when it is stopped or dies. Not multiprocessing: its fork server and spawn re-run the
    caller's main script in the worker, which an unguarded script would not survive."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.replies: queue.Queue = queue.Queue()
        self.lock = threading.Lock()  # one request at a time; builds are serialised anyway

    def run(self, data: bytes, limits: LoadSettings) -> dict:
        with self.lock:
            proc = self._started()
            header = json.dumps({"size": len(data), "limits": asdict(limits)}).encode() + b"\n"
            try:
                proc.stdin.write(header + data)
                proc.stdin.flush()
                reply = self.replies.get(timeout=limits.pdf_seconds)
            except queue.Empty:
                self.stop()
                return {"error": f"PDF text extraction took longer than the limit of {limits.pdf_seconds:g} s"}
            except OSError:
                reply = None
            if reply is None:  # the worker died (killed, out of memory): the next file gets a new one
                self.stop()
                return {"error": "PDF could not be parsed (the text extractor stopped)"}
            return reply

    def _started(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", f"import sys; sys.path.insert(0, {_ROOT!r}); from qa.ingest.pdf import serve; serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            self.replies = queue.Queue()
            threading.Thread(target=_read_replies, args=(self.proc.stdout, self.replies), daemon=True,
                             name="qa-pdf-replies").start()
        return self.proc

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            try:
                proc.stdin.close()
            except OSError:  # unsent bytes of the request it was killed in
                pass


def _read_replies(stream, replies: queue.Queue) -> None:
    """In the caller: each line the worker writes is one reply; None when it ends."""
    for line in stream:
        try:
            replies.put(json.loads(line))
        except ValueError:
            continue
    stream.close()
    replies.put(None)


_WORKER = _Worker()
atexit.register(_WORKER.stop)


def serve() -> None:
    """In the worker: read requests (a JSON header line, then the PDF's bytes) and write one JSON line each."""
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, not into the replies
    sys.stdout = sys.stderr
    for header in iter(requests.readline, b""):
        request = json.loads(header)
        data = requests.read(request["size"])
        try:
            text, meta = extract(data, LoadSettings(**request["limits"]))
            reply = {"text": text, "meta": meta}
        except LoadError as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # pypdf raises many kinds on broken files; MemoryError and RecursionError too
            reply = {"error": f"PDF could not be parsed ({type(exc).__name__})"}
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()


def extract(data: bytes, limits: LoadSettings) -> tuple[str, dict]:
    """The text and metadata of a PDF, page by page, stopping as soon as a count limit is passed."""
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    count = len(reader.pages)
    if count > limits.max_pdf_pages:
        raise LoadError(f"PDF has {count:,} pages, more than the limit of {limits.max_pdf_pages:,}")
    info = reader.metadata or {}
    title = info.get("/Title") if hasattr(info, "get") else None
    author = info.get("/Author") if hasattr(info, "get") else None
    chars = 0

    def count_text(text: str, *_) -> None:  # pypdf calls this for every piece of text it extracts
        nonlocal chars
        chars += len(text)
        if chars > limits.max_pdf_chars:
            raise _TooLong

    pages: list[str] = []
    total = 0
    try:
        for page in reader.pages:
            pages.append((page.extract_text(visitor_text=count_text) or "").strip())
            total += len(pages[-1])
            if total > limits.max_pdf_chars:  # the spacing pypdf adds between pieces counts too
                raise _TooLong
    except _TooLong:
        raise LoadError(f"PDF text is longer than the limit of {limits.max_pdf_chars:,} characters") from None
    text = "\n\n".join(p for p in pages if p)
    meta = {"title": str(title) if title else None, "byline": str(author) if author else None}
    return _no_surrogates(text), {k: _no_surrogates(v) if v else v for k, v in meta.items()}


def _no_surrogates(text: str) -> str:
    """Broken font maps can yield lone surrogates, which SQLite cannot store: they become '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")
