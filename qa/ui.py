"""The chat UI (Gradio Blocks): ask and get cited excerpts, read each source in place, add articles; plus the `ask` API."""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from . import ui_render as render
from .config import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, UPLOAD_SUFFIXES
from .console import UNITS
from .engine import Engine
from .errors import QAError, UnknownDocument
from .loader import file_digest, shorten
from .uploads import save_uploads

EXAMPLES = (
    "When did China ban the sale of fentanyl?",
    "International Narcotics Control Board",
    "How many fentanyl pills were seized on July 1?",
    "What is the Counternarcotics Working Group?",
)
MAX_TURNS = 50  # the conversation kept per browser session; older turns drop off the top
ASK_CONCURRENCY = 4  # questions answered at once (UI and API share the group); builds run one at a time

# A click on a citation button inside the conversation reaches Python as a `click` event with its data.
CITE_JS = """
element.addEventListener('click', (event) => {
  const btn = event.target.closest('.qa-cite-btn');
  if (!btn) return;
  trigger('click', {doc_id: btn.dataset.doc, start: Number(btn.dataset.start),
                    end: Number(btn.dataset.end), hl: btn.dataset.hl || ''});
});
"""
# After the source panel shows a new article, scroll its text so the cited passage is in view.
SCROLL_JS = """
watch('value', () => {
  const mark = element.querySelector('#qa-cited');
  const box = element.querySelector('.qa-doctext');
  if (!mark || !box) return;
  box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight) element.scrollIntoView({block: 'start'});
});
"""


class ChatApp:
    """The UI over one Engine, the collection folders it indexes, and the one of them that uploads go into."""

    def __init__(self, engine: Engine, sources: Path | list[Path], uploads: Path | None = None):
        """`uploads` defaults to the last of `sources`; it is indexed with them."""
        self.engine = engine
        self.sources = [Path(s) for s in ([sources] if isinstance(sources, (str, Path)) else sources)]
        self.uploads = Path(uploads) if uploads else self.sources[-1]
        if self.uploads not in self.sources:
            self.sources.append(self.uploads)

    # ---- answering ----------------------------------------------------------------------
    def ask_json(self, question: str, k: int | None = None) -> dict:
        """What `qa ask --json` prints, or gr.Error with a one-line message."""
        try:
            return self.engine.ask(question, k).to_json()
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def respond(self, question: str, turns: list[dict]):
        answer = self.ask_json(question)
        turns = [*turns, answer][-MAX_TURNS:]
        return render.conversation(turns), turns, ""

    def open_source(self, evt: gr.EventData) -> str:
        data = getattr(evt, "_data", None) or {}
        try:
            doc = self.engine.document(str(data.get("doc_id", "")))
            start, end = int(data.get("start", 0)), int(data.get("end", 0))
            spans = [_span(part) for part in str(data.get("hl", "")).split(",") if part]
            return render.source(doc, start, end, spans)
        except UnknownDocument:
            return render.source_placeholder("That article is no longer in the index.")
        except (TypeError, ValueError):  # the event data comes from the browser: it may be anything
            return render.source_placeholder("That citation could not be read.")

    # ---- the collection -----------------------------------------------------------------
    def table(self) -> list[list]:
        return [[shorten(d.title) or "", d.date or "", d.doc_id, n] for d, n in self.engine.documents()]

    def status(self) -> str:
        docs = self.engine.documents()
        passages = sum(n for _, n in docs)
        folders = " + ".join(f"{s.name}/" for s in self.sources)
        return render.notice([f"{folders} · {len(docs)} articles · {passages} passages indexed"], "status")

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

        def on_progress(stage: str, done: int, total: int) -> None:
            if total:
                unit = UNITS.get(stage, "item")
                progress((done, total), desc=f"{stage.capitalize()} {total} {unit}s", unit=f"{unit}s")

        progress(0, desc="Looking for new and changed files")
        try:
            report = self.engine.build(self.sources, rebuild=rebuild, progress=on_progress, warn=warnings.append)
        except (QAError, OSError) as exc:
            return None, [f"The index was not changed: {exc}"]
        return report, warnings

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

    # ---- layout -------------------------------------------------------------------------
    def blocks(self) -> gr.Blocks:
        with gr.Blocks(title="qa — answers from your articles") as demo:
            turns = gr.State([])
            with gr.Row(equal_height=True, elem_id="qa-header"):
                gr.HTML('<h1 class="qa-title">qa <span>answers from your articles, in their own words</span></h1>',
                        scale=3)
                status = gr.HTML(elem_id="qa-status", scale=2)
            with gr.Tabs():
                with gr.Tab("Chat", id="chat"):
                    self._chat_tab(turns)
                with gr.Tab("Collection", id="collection"):
                    table = self._collection_tab(status)
            demo.load(lambda: (self.status(), self.table()), outputs=[status, table], api_visibility="private")
            gr.api(self._api_fn(), api_name="ask", concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)
        return demo

    def _chat_tab(self, turns: gr.State) -> None:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chat = gr.HTML(render.conversation([]), js_on_load=CITE_JS, elem_id="qa-conversation",
                               max_height=520, autoscroll=True, padding=True)
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask a question about the articles and press Enter",
                                          show_label=False, lines=1, max_lines=1, scale=8, elem_id="qa-question",
                                          autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
                with gr.Row(elem_id="qa-examples"):
                    examples = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
                    clear = gr.Button("Clear conversation", size="sm", variant="secondary", elem_id="qa-clear")
            with gr.Column(scale=2, min_width=360, elem_id="qa-source-col"):
                panel = gr.HTML(render.source_placeholder(), js_on_load=SCROLL_JS, elem_id="qa-source",
                                padding=True)
        ask = dict(fn=self.respond, outputs=[chat, turns, question], concurrency_id="ask",
                   concurrency_limit=ASK_CONCURRENCY, api_visibility="private")
        question.submit(inputs=[question, turns], **ask)
        send.click(inputs=[question, turns], **ask)
        for button in examples:
            button.click(inputs=[button, turns], **ask)
        clear.click(lambda: (render.conversation([]), [], render.source_placeholder()), outputs=[chat, turns, panel],
                    api_visibility="private")
        chat.click(self.open_source, outputs=panel, api_visibility="private")

    def _collection_tab(self, status: gr.HTML) -> gr.Dataframe:
        limits = (f"Add articles ({', '.join(UPLOAD_SUFFIXES)}; up to {MAX_UPLOAD_FILES} files at once, "
                  f"{MAX_UPLOAD_BYTES // 2**20} MB each). They are saved in the {self.uploads.name}/ folder and "
                  "indexed right away; questions keep being answered from the current index meanwhile.")
        gr.Markdown(limits)
        files = gr.File(label="Upload articles", file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                        type="filepath", elem_id="qa-upload")
        with gr.Row():
            update = gr.Button("Update index from folder", variant="secondary")
            rebuild = gr.Button("Rebuild index from scratch", variant="stop")
        result = gr.HTML(elem_id="qa-build-result")
        table = gr.Dataframe(headers=["Title", "Date", "File", "Passages"], datatype="str",
                             interactive=False, wrap=True, elem_id="qa-docs", label="Articles",
                             column_widths=["52%", "18%", "22%", "8%"])
        build = dict(concurrency_id="build", concurrency_limit=1, api_visibility="private", show_progress_on=result)
        files.upload(self.add_files, inputs=files, outputs=[result, table, status, files], **build)
        update.click(self.update_index, outputs=[result, table, status], **build)
        rebuild.click(self.rebuild_index, outputs=[result, table, status], **build)
        return table

    def _api_fn(self):
        def ask(question: str, k: int = 5, previous: list[str] | None = None) -> dict:
            """Answer `question` with the k best excerpts: the same JSON object as `qa ask --json`.

            `previous`: the earlier questions of the conversation, oldest first (for follow-ups)."""
            try:
                return self.engine.ask(question, k, previous=previous or ()).to_json()
            except QAError as exc:
                raise gr.Error(str(exc), print_exception=False) from None

        return ask


def _span(text: str) -> tuple[int, int]:
    """"12-40" as (12, 40); ValueError otherwise."""
    start, end = text.split("-")
    return int(start), int(end)


CSS = render.CSS + """
.qa-title { margin: 4px 0 0 0; font-size: 1.6em; }
.qa-title span { font-size: .55em; font-weight: 400; color: var(--body-text-color-subdued); margin-left: 8px; }
#qa-source-col { position: sticky; top: 8px; align-self: flex-start; }
#qa-examples button { flex: 0 1 auto; }
#qa-clear { background: none; border: 1px dashed var(--border-color-primary); margin-left: auto; }
#qa-header { align-items: center; }
#qa-build-result { min-height: 80px; }
.qa-status { text-align: right; color: var(--body-text-color-subdued); font-size: .9em; background: none; }
"""


def theme() -> gr.themes.Base:
    """The default look with system fonts: Gradio's own theme fetches Google Fonts, an outside request."""
    return gr.themes.Default(
        font=[gr.themes.Font("system-ui"), gr.themes.Font("Segoe UI"), gr.themes.Font("Helvetica"), "sans-serif"],
        font_mono=[gr.themes.Font("ui-monospace"), gr.themes.Font("Menlo"), gr.themes.Font("Consolas"), "monospace"],
    )
