"""The chat UI (Gradio Blocks): ask and get cited excerpts, read each source in place, add articles; plus the `ask` API."""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from . import ui_render as render
from . import ui_collection_view
from .engine import Engine
from .errors import QAError, UnknownDocument
from .ui_collection import CollectionTab

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
        self.collection = CollectionTab(engine, sources, uploads)  # the Collection tab (qa/ui_collection.py)

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

    # ---- layout -------------------------------------------------------------------------
    def blocks(self) -> gr.Blocks:
        with gr.Blocks(title="qa — answers from your articles") as demo:
            turns = gr.State([])
            with gr.Row(equal_height=True, elem_id="qa-header"):
                gr.HTML('<h1 class="qa-title">qa <span>answers from your articles, in their own words</span></h1>',
                        scale=3)
                status = gr.HTML(elem_id="qa-status", scale=2)
            with gr.Tabs() as tabs:
                with gr.Tab("Chat", id="chat"):
                    self._chat_tab(turns)
                with gr.Tab("Collection", id="collection"):
                    table = self.collection.build(status, tabs, getattr(self, "doc_filter", None))
            demo.load(lambda: (self.collection.status(), self.collection.table()), outputs=[status, table],
                      api_visibility="private")
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

    def _api_fn(self):
        def ask(question: str, k: int = 5, since: str | None = None, until: str | None = None,
                doc: list[str] | None = None, previous: list[str] | None = None) -> dict:
            """Answer `question` with the k best excerpts: the same JSON object as `qa ask --json`.

            `since`/`until` (YYYY-MM-DD) and `doc` (doc ids) limit the answer to those articles; `previous`: the
            earlier questions of the conversation, oldest first (for follow-ups).
            """
            try:
                filters = self.engine.filters(since, until, doc or ())
                return self.engine.ask(question, k, previous=previous or (), filters=filters).to_json()
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
.qa-status { text-align: right; color: var(--body-text-color-subdued); font-size: .9em; background: none; }
""" + ui_collection_view.CSS


def theme() -> gr.themes.Base:
    """The default look with system fonts: Gradio's own theme fetches Google Fonts, an outside request."""
    return gr.themes.Default(
        font=[gr.themes.Font("system-ui"), gr.themes.Font("Segoe UI"), gr.themes.Font("Helvetica"), "sans-serif"],
        font_mono=[gr.themes.Font("ui-monospace"), gr.themes.Font("Menlo"), gr.themes.Font("Consolas"), "monospace"],
    )
