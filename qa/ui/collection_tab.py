"""The Collection tab: add articles (upload or URL), update or rebuild the index, and a table of the articles
to sort, open, download, delete, or ask within."""
from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from . import collection_view as view
from . import render
from ..ingest.addresses import Network
from ..collection import add_pages, delete, locate, refusals
from ..console import UNITS
from ..engine import Engine
from ..errors import QAError
from ..ingest.fetch import fetch
from ..ingest.loader import file_digest
from ..ingest.uploads import save_uploads

FILE_COLUMN = view.HEADERS.index("File")
COPIES_COLUMN = view.HEADERS.index("Copies")  # a click on the count lists the copies themselves
# {doc_id: [doc ids of the other copies of the same story]}: syndicated copies, grouped at build time
Groups = Callable[[], dict[str, list[str]]]


class CollectionTab:
    """The collection folders as the UI shows them: what is indexed, and every change to it (one build at a time)."""

    def __init__(self, engine: Engine, sources: Path | list[Path], uploads: Path | None = None,
                 groups: Groups | None = None, fetch_allow: tuple[Network, ...] = ()):
        """`uploads` (default: the last of `sources`) is where uploads and URL additions are saved; it is
        indexed with the rest. `groups` gives each article's copies for the Copies column. `fetch_allow`: the
        non-public networks that Add by address may fetch from (qa.ingest.addresses; public addresses only by default)."""
        self.engine = engine
        self.fetch_allow = fetch_allow
        self.sources = [Path(s) for s in ([sources] if isinstance(sources, (str, Path)) else sources)]
        self.uploads = Path(uploads) if uploads else self.sources[-1]
        if self.uploads not in self.sources:
            self.sources.append(self.uploads)
        self.groups = groups
        # made on the first download and removed with the tab (or at exit): a UI built and dropped leaves nothing
        self._downloads: tempfile.TemporaryDirectory | None = None
        self._downloads_lock = threading.Lock()  # Gradio opens articles from several threads at once

    # ---- what the table and the status line show ----------------------------------------
    def table(self) -> list[list]:
        """One row per article (view.HEADERS), newest first; undated ones last. Copies is a count (0 without a
        `groups` hook); the preview lists them."""
        copies = self.groups() if self.groups else {}
        docs = sorted(self.engine.documents(), key=lambda dn: (dn[0].title or dn[0].doc_id).lower())
        docs.sort(key=lambda dn: dn[0].date or "", reverse=True)
        return [[render.shown_date(d.date, d.date_text), render.shown_title(d.title, d.doc_id), d.doc_id,
                 d.byline or "", len(copies.get(d.doc_id, ())), n] for d, n in docs]

    def status(self) -> str:
        docs = self.engine.documents()
        passages = sum(n for _, n in docs)
        folders = " + ".join(f"{s.name}/" for s in self.sources)
        return render.notice([f"{folders} · {len(docs)} articles · {passages} passages indexed"], "status")

    # ---- adding articles ----------------------------------------------------------------
    def add_files(self, files: list[str] | None, progress=gr.Progress()):
        """Store uploads in the uploads folder, then index them; uploads the indexer rejects are removed."""
        paths = [Path(f) for f in (files or [])]
        saved = save_uploads([(p.name, p) for p in paths], self.uploads)
        unindexed = self._unindexed(saved.already_present)
        good = [f"{p.name}: already in the collection" for p in saved.already_present if p not in unindexed]
        bad = list(saved.errors)
        if saved.saved or unindexed:
            report, warnings = self._build(progress)
            if report is None:
                bad = warnings + bad
            else:
                added, rejected = self._describe(report, saved.saved, unindexed, warnings)
                good, bad = added + good, rejected + bad
        lines = good + bad or ["No files were added."]
        return render.notice(lines, "error" if bad else "ok"), self.table(), self.status(), None

    def add_url(self, text: str, progress=gr.Progress()):
        """Fetch the page(s) at the address(es) in `text` (separated by spaces or lines), save and index those
        that fetched and are new in one build; one line for every address, whether it was added or not."""
        urls = [u for u in (text or "").split() if u]
        if not urls:
            return render.notice(["Paste the address of an article page first."], "error"), self.table(), \
                self.status(), text
        progress(0, desc=f"Fetching {len(urls)} page{'s' if len(urls) > 1 else ''}")
        pages, failed = [], []
        for url in urls:  # every address is tried: one failure does not hide the others
            try:
                pages.append(fetch(url, allow=self.fetch_allow))
            except QAError as exc:
                failed.append(f"Not added: {exc}")
        why_not = refusals(self.engine, pages)
        new = [page for page, why in zip(pages, why_not) if why is None]
        change = add_pages(self.engine, new, self.uploads, self.sources, progress=self._on_progress(progress))
        added = [f"{doc_id}: added from {url} and ready for questions" for doc_id, url in change.files.items()]
        bad = failed + [f"Not added: {why}" for why in why_not if why] + change.errors
        lines = added + bad
        return render.notice(lines, "error" if bad else "ok"), self.table(), self.status(), text if bad else ""

    def _unindexed(self, present: list[Path]) -> list[Path]:
        """The files among `present` whose bytes are not what the index holds for them: an app killed after
        saving an upload and before indexing it leaves such a file, and its re-upload must index it."""
        indexed = {d.doc_id: d.sha256 for d, _ in self.engine.documents()}
        out = []
        for path in present:
            try:
                digest = file_digest(path)
            except OSError:
                digest = ""
            if indexed.get(self._doc_id(path)) != digest:
                out.append(path)
        return out

    def _doc_id(self, path: Path) -> str:
        return self.engine.doc_id(path, self.sources)

    def _describe(self, report, saved: list[Path], present: list[Path],
                  warnings: list[str]) -> tuple[list[str], list[str]]:
        """(what went well, what did not) for the uploads. Those the loader could not read are deleted if this
        upload wrote them; a file that was already there (`present`) is left alone."""
        skipped = dict(report.skipped)
        good, bad = [report.summary()], []
        for path in [*saved, *present]:
            doc_id = self._doc_id(path)
            if doc_id in skipped:
                if path in saved:
                    path.unlink(missing_ok=True)
                bad.append(f"{path.name}: not added, {skipped[doc_id]}")
            else:
                good.append(f"{path.name}: added and ready for questions")
        ours = [*saved, *present]
        bad += [w for w in warnings if not any(w.startswith(f"skipped {self._doc_id(p)}:") for p in ours)]
        return good, bad

    # ---- updating the index -------------------------------------------------------------
    def update_index(self, progress=gr.Progress()):
        return self._refresh(progress, rebuild=False)

    def rebuild_index(self, progress=gr.Progress()):
        return self._refresh(progress, rebuild=True)

    def _refresh(self, progress, rebuild: bool):
        report, problems = self._build(progress, rebuild)
        lines = problems if report is None else [report.summary(), *problems]
        kind = "error" if report is None else "ok"
        return render.notice(lines, kind), self.table(), self.status()

    def _build(self, progress, rebuild: bool = False):
        warnings: list[str] = []
        progress(0, desc="Looking for new and changed files")
        try:
            report = self.engine.build(self.sources, rebuild=rebuild, progress=self._on_progress(progress),
                                       warn=warnings.append)
        except (QAError, OSError) as exc:
            return None, [f"The index was not changed: {exc}"]
        return report, warnings

    @staticmethod
    def _on_progress(progress):
        def on_progress(stage: str, done: int, total: int) -> None:
            if total:
                unit = UNITS.get(stage, "item")
                progress((done, total), desc=f"{stage.capitalize()} {total} {unit}s", unit=f"{unit}s")

        return on_progress

    # ---- one article: open, download, delete, ask within ----------------------------------
    def open_row(self, evt: gr.SelectData):
        """The selected row's article: (its doc id, the preview, the download button, the actions row). A click
        on the Copies count brings the list of copies into view."""
        row = getattr(evt, "row_value", None) or []
        doc_id = str(row[FILE_COLUMN]) if len(row) > FILE_COLUMN else ""
        index = getattr(evt, "index", None)
        column = index[1] if isinstance(index, (list, tuple)) and len(index) > 1 else None
        return self.open_article(doc_id, show_copies=column == COPIES_COLUMN)

    def open_copy(self, evt: gr.EventData):
        """A copy clicked in the preview's list of copies, opened in its place (its own copies listed)."""
        doc_id = str(getattr(evt, "doc_id", "") or "")  # EventData exposes the trigger's data as attributes
        if not doc_id:  # a click elsewhere in the preview: nothing changes
            return (gr.skip(),) * 4
        return self.open_article(doc_id, show_copies=True)

    def open_article(self, doc_id: str, show_copies: bool = False):
        try:
            doc = self.engine.document(doc_id)
            path = locate(self.engine, doc_id, self.sources)
        except QAError as exc:
            return "", view.placeholder(str(exc)), gr.DownloadButton(value=None, visible=False), \
                gr.Row(visible=False)
        passages = next((n for d, n in self.engine.documents() if d.doc_id == doc_id), 0)
        copy = self._download_copy(path, doc.sha256)
        return doc_id, view.preview(doc, passages, self._copies(doc_id), show_copies), \
            gr.DownloadButton(f"Download {path.name}", value=str(copy), visible=True), gr.Row(visible=True)

    def _copies(self, doc_id: str) -> list[tuple[str, str]]:
        """The other copies of the article's story as (doc id, title shown), in the order the group gives."""
        others = (self.groups() if self.groups else {}).get(doc_id, ())
        titles = {d.doc_id: render.shown_title(d.title, d.doc_id) for d, _ in self.engine.documents()}
        return [(other, titles.get(other, other)) for other in others]

    def _download_copy(self, path: Path, digest: str) -> Path:
        """A copy of the file in a temp folder: Gradio serves files from there, not from any collection folder."""
        with self._downloads_lock:
            if self._downloads is None:
                self._downloads = tempfile.TemporaryDirectory(prefix="qa-downloads-")
            copy = Path(self._downloads.name) / digest[:16] / path.name
            if not copy.exists():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
        return copy

    def delete_article(self, doc_id: str, progress=gr.Progress()):
        """Delete the file and its passages in one update; (notice, table, status, doc id, preview, download, actions)."""
        if not doc_id:
            lines, kind = ["Select an article first."], "error"
        else:
            progress(0, desc=f"Deleting {doc_id}")
            try:
                report = delete(self.engine, doc_id, self.sources, progress=self._on_progress(progress))
                lines, kind = [f"{doc_id}: deleted ({report.summary()})"], "ok"
            except (QAError, OSError) as exc:
                lines, kind = [f"Nothing was deleted: {exc}"], "error"
        return (render.notice(lines, kind), self.table(), self.status(), "", view.placeholder(),
                gr.DownloadButton(value=None, visible=False), gr.Row(visible=False))

    def article_choices(self) -> list[tuple[str, str]]:
        """Every indexed article as (title, doc id), by title: the choices of the chat's article filter."""
        return sorted(((render.shown_title(d.title, d.doc_id), d.doc_id) for d, _ in self.engine.documents()),
                      key=lambda c: c[0].lower())

    def ask_within(self, doc_id: str):
        """The chat's article filter set to this article, and the Chat tab shown. The choices are sent with the
        value: the browser drops a value that is not among the choices it holds."""
        return (gr.update(choices=self.article_choices(), value=[doc_id] if doc_id else []),
                gr.Tabs(selected="chat"))

    # ---- layout -------------------------------------------------------------------------
    def build(self, status: gr.HTML, tabs: gr.Tabs | None = None, doc_filter: gr.components.Component | None = None
              ) -> gr.Dataframe:
        """Lay out the tab inside the current gr.Tab. `status` is the header's status line; `doc_filter` (the
        chat's article multiselect) and `tabs` are set by "Ask within this article" (hidden without them)."""
        return view.layout(self, status, tabs, doc_filter)

