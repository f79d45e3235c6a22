"""Extract a PDF's text in a worker process, within the page, character and time limits of LoadSettings."""
from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

from .config import LoadSettings
from .errors import LoadError


class _TooLong(Exception):
    """Raised from pypdf's text callback to stop extracting a page as soon as the limit is passed."""


def pdf_text(data: bytes, limits: LoadSettings) -> tuple[str, dict]:
    """The text of a PDF with its title and author, or LoadError with a one-line reason.

    The counts stop a bomb early, but pypdf parses a page's whole content stream before it yields any text,
    and a crafted page can take minutes: only a separate process can be stopped then. The worker comes from
    a fork server (a clean process started once), so a PDF costs a fork, not a new interpreter, and nothing
    is forked from the app's threads.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        ctx.set_forkserver_preload(["qa.pdf", "pypdf"])  # imported once in the server, not per file
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_work, args=(data, limits, send), name="qa-pdf-text", daemon=True)
    worker.start()
    send.close()  # the worker holds the other end: receive sees EOF if it dies
    try:
        if not receive.poll(limits.pdf_seconds):
            raise LoadError(f"PDF text extraction took longer than the limit of {limits.pdf_seconds:g} s")
        ok, result = receive.recv()
    except EOFError:
        raise LoadError("PDF could not be parsed (the extraction ended without a result)") from None
    finally:
        receive.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    if not ok:
        raise LoadError(result)
    return result


def _work(data: bytes, limits: LoadSettings, out: Connection) -> None:
    """In the worker: send (True, (text, metadata)) or (False, one-line reason)."""
    try:
        result = (True, extract(data, limits))
    except LoadError as exc:
        result = (False, str(exc))
    except Exception as exc:  # pypdf raises many kinds on broken files; MemoryError and RecursionError too
        result = (False, f"PDF could not be parsed ({type(exc).__name__})")
    try:
        out.send(result)
    finally:
        out.close()


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
    return text, {"title": str(title) if title else None, "byline": str(author) if author else None}
