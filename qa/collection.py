"""Change the collection folders and the index together: add fetched pages, delete an article, in one update each."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CollectionError, QAError
from .ingest.fetch import Page, file_name
from .ingest.loader import doc_id_of
from .records import BuildReport
from .ingest.uploads import write_new

if TYPE_CHECKING:
    from .engine import Engine

Progress = Callable[[str, int, int], None]


@dataclass
class Change:
    """What one change to the collection did: the build's report, the files it concerns, and what went wrong."""

    report: BuildReport | None = None
    files: dict[str, str] = field(default_factory=dict)  # doc_id -> the address or file it came from
    errors: list[str] = field(default_factory=list)


def duplicates(engine: Engine, pages: list[Page]) -> list[str]:
    """One line per page whose address is already in the index (or twice among `pages`)."""
    return [line for line in refusals(engine, pages) if line]


def refusals(engine: Engine, pages: list[Page]) -> list[str | None]:
    """For each of `pages`, why it is refused (its address is already in the index, or repeats an earlier page
    of `pages`), or None when it may be added."""
    known = {d.url: d.doc_id for d, _ in engine.documents() if d.url}
    out, seen = [], {}
    for page in pages:
        why = None
        for address in {page.requested, page.url}:
            if address in known:
                why = f"{page.requested}: already in the collection as {known[address]}"
                break
            if address in seen and seen[address] is not page:
                why = f"{page.requested}: named twice"
                break
            seen[address] = page
        out.append(why)
    return out


def add_pages(engine: Engine, pages: list[Page], folder: Path, sources: list[Path],
              progress: Progress | None = None, warn: Callable[[str], None] | None = None) -> Change:
    """Save each page as an `.html` file in `folder` and index them in one build. Nothing is saved when a page
    is already there or the build fails; a page the build skips is removed again. Errors are one line each."""
    change = Change(errors=duplicates(engine, pages))
    if change.errors or not pages:
        return change
    folder.mkdir(parents=True, exist_ok=True)
    # a name taken (now or while writing) gets -2, -3…; a file of that name and these bytes already there
    # (saved before a crash, not yet indexed) is used as it is, and left in place whatever happens
    written = [write_new(folder, file_name(page), page.html.encode("utf-8")) for page in pages]
    ids = {engine.doc_id(path, sources): page.requested for (path, _), page in zip(written, pages)}
    warnings: list[str] = []
    try:
        change.report = engine.build(sources, progress=progress, warn=warnings.append)
    except (QAError, OSError) as exc:
        _remove([path for path, created in written if created])
        change.errors.append(f"the index was not changed: {exc}")
        return change
    skipped = dict(change.report.skipped)
    change.errors = [f"{ids[i]}: not added, {skipped[i]}" for i in ids if i in skipped]
    # a skipped file was not indexed: removing it leaves the collection and the index as they were
    _remove([path for (path, created), i in zip(written, ids) if created and i in skipped])
    change.files = {i: url for i, url in ids.items() if i not in skipped}
    for message in warnings:
        if warn and not any(message.startswith(f"skipped {i}:") for i in ids):
            warn(message)
    return change


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def locate(engine: Engine, doc_id: str, sources: list[Path]) -> Path:
    """The file in the collection folders that `doc_id` was read from; CollectionError if it lies outside them."""
    engine.document(doc_id)  # UnknownDocument when it is not indexed
    several = len(sources) > 1
    for root in sources:
        root = Path(root)
        rel = doc_id.split("/", 1)[1] if several and doc_id.startswith(f"{root.name}/") else doc_id
        if several and not doc_id.startswith(f"{root.name}/"):
            continue
        path = root / rel
        inside = path.parent.resolve().is_relative_to(root.resolve()) and ".." not in Path(rel).parts
        if inside and doc_id_of(root, path, several) == doc_id and (path.is_file() or path.is_symlink()):
            return path
    raise CollectionError(f"{doc_id}: no such file in the collection folders; nothing was deleted")


def delete(engine: Engine, doc_id: str, sources: list[Path], progress: Progress | None = None) -> BuildReport:
    """Remove the article's file and its passages in one index update. The file is set aside (hidden) first
    and put back if the update fails, so an error loses nothing."""
    path = locate(engine, doc_id, sources)
    aside = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.deleting")
    os.replace(path, aside)
    try:
        report = engine.build(sources, progress=progress, warn=lambda _m: None)
    except BaseException:
        os.replace(aside, path)
        raise
    aside.unlink(missing_ok=True)
    # another update (the watched folder's) may have dropped it first: what counts is that it is gone
    if any(d.doc_id == doc_id for d, _ in engine.documents()):
        raise CollectionError(f"{doc_id}: the file was deleted but the index still lists it; run `qa build`")
    return report

