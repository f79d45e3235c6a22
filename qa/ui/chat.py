"""The chat UI (Gradio Blocks): ask and get cited excerpts, read each source in place, add articles; plus the `ask` API."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from uuid import uuid4

import gradio as gr

from ..ingest.addresses import Network
from . import render
from . import collection_view, conversation_list, style
from .conversation_list import RESTORE_ID_JS, ConversationPanel
from ..conversations.store import ConversationStore
from .scripts import ASK_JS, CHAT_JS, FOCUS_JS, RESTORE_JS, SAVE_JS, SCROLL_JS
from ..engine import Engine
from ..errors import QAError, UnknownDocument
from .collection_tab import CollectionTab
from ..requests import AskRequest, ask as ask_engine  # `ask` names the API function below

EXAMPLES = (
    "When did China ban the sale of fentanyl?",
    "International Narcotics Control Board",
    "How many fentanyl pills were seized on July 1?",
    "What is the Counternarcotics Working Group?",
)
MAX_TURNS = 50  # the conversation kept per browser session; older turns drop off the top
ASK_CONCURRENCY = 4  # questions answered at once (UI and API share the group); builds run one at a time

EMPTY_QUESTION = "Type a question first, then press Enter."


class ChatApp:
    """The UI over one Engine, the collection folders it indexes, and the one of them that uploads go into."""

    def __init__(self, engine: Engine, sources: Path | list[Path], uploads: Path | None = None,
                 fetch_allow: tuple[Network, ...] = (), conversations: ConversationStore | None = None):
        """`uploads` defaults to the last of `sources`; it is indexed with them. `fetch_allow`: the non-public
        networks that Add by address may fetch from (public addresses only by default). `conversations`: where
        they are kept (by default beside the index)."""
        self.engine = engine
        self.panel = ConversationPanel(engine, conversations, MAX_TURNS)  # qa/ui/conversation_list.py
        self.collection = CollectionTab(engine, sources, uploads, groups=self._groups,  # qa/ui/collection_tab.py
                                        fetch_allow=fetch_allow)
        self._claimed: set[str] = set()
        self._answered: set[str] = set()
        self._claims_lock = threading.Lock()

    # ---- answering ----------------------------------------------------------------------
    def start(self, question: str, turns: list[dict], since: str, until: str, doc_ids: list[str] | None):
        """First step of a question: check it and its filters, show it as pending and lock the input.

        The pending question carries its own filters: the chain that claims it (a second submit's chain may)
        answers it with the filters it was asked with, not with its own inputs.
        Returns (conversation, question box, Ask button, hint, pending question, *example buttons)."""
        question = (question or "").strip()
        problem, filters = "" if question else EMPTY_QUESTION, None
        try:
            filters = self.engine.filters(since, until, doc_ids)
        except QAError as exc:
            problem = problem or str(exc)
        if problem:  # the pending question is left alone: a second Enter may come while one is answered
            return gr.skip(), gr.skip(), gr.skip(), render.hint(problem), gr.skip(), *self._examples(None)
        locked = gr.update(interactive=False)
        return (render.pending(turns, question), gr.update(value="", interactive=False), locked, render.hint(),
                {"id": uuid4().hex, "question": question, "filters": filters}, *self._examples(False))

    def respond(self, pending: dict | None, turns: list[dict], conversation_id: str = "",
                request: gr.Request | None = None):
        """Answer the pending question with the conversation's earlier questions and its filters, once (a second
        submit's chain finds it claimed); keep it on the server in `conversation_id` (a new one when empty).

        Returns (conversation, turns, saved turns as JSON, hint, conversation id)."""
        if not pending or not self._claim(pending.get("id", "")):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        question = pending["question"]
        previous = [t.get("question", "") for t in turns]
        try:
            filters = pending.get("filters")  # checked by `start`; Ask as typed's fields are checked here
            filters = self.engine.filters(*filters) if isinstance(filters, tuple) else filters
            answer = ask_engine(self.engine, AskRequest(question, previous=previous, filters=filters,
                                                        as_typed=bool(pending.get("as_typed"))))
        except QAError as exc:
            return render.conversation(turns), turns, gr.skip(), render.hint(str(exc)), gr.skip()
        finally:
            self._answered.add(pending["id"])
        turn = answer.to_json()
        if len(question) > len(turn.get("question", "")):  # cut to MAX_QUESTION_CHARS: the card says so
            turn["asked_chars"] = len(question)
        conversation_id, problem = self.panel.save(request, conversation_id, turn)
        turns = [*turns, turn][-MAX_TURNS:]
        return render.conversation(turns), turns, json.dumps(turns), render.hint(problem), conversation_id

    def _claim(self, question_id: str) -> bool:
        """True for the first caller with this id only."""
        with self._claims_lock:
            if question_id in self._claimed:
                return False
            if len(self._claimed) > 10_000:  # ids of long-answered questions: no chain still holds them
                self._claimed.clear()
                self._answered.clear()
            self._claimed.add(question_id)
            return True

    def unlock(self, pending: dict | None):
        """The question box, Ask and the examples usable again, unless the pending question is still being
        answered: a refused submit's chain ends while the next question's chain runs, and must not unlock."""
        if pending and pending.get("id") not in self._answered:
            return gr.skip(), gr.skip(), *self._examples(None)
        return gr.update(interactive=True), gr.update(interactive=True), *self._examples(True)

    @staticmethod
    def _examples(interactive: bool | None) -> list:
        return [gr.skip() if interactive is None else gr.update(interactive=interactive) for _ in EXAMPLES]

    def restore(self, saved: str):
        """The conversation this tab saved (sessionStorage), shown again after a reload; nothing if unreadable."""
        turns = saved_turns(saved)
        return render.conversation(turns), turns

    def clear(self):
        """A new conversation: the one shown stays in the list."""
        return render.conversation([]), [], "[]", render.source_placeholder(), render.hint(), ""

    def open_link(self, request: gr.Request):
        """A link `?doc=ID&start=N&end=M[&hl=A-B]` opens that passage in the source panel on page load."""
        params = dict(request.query_params) if request is not None else {}
        if not params.get("doc"):
            return gr.skip()
        return self._source(params.get("doc"), params.get("start", 0), params.get("end", 0), params.get("hl", ""))

    def doc_choices(self):
        """The article filter's choices: (title, doc id) by title."""
        return gr.update(choices=self.collection.article_choices())

    def _groups(self) -> dict[str, list[str]]:
        """Each grouped article's copies (other articles carrying the same story), for the Collection tab."""
        return {d: [o for o in group if o != d] for group in self.engine.groups() for d in group}

    def ask_as_typed(self, turns: list[dict], since: str, until: str, doc_ids: list[str] | None, evt: gr.EventData):
        """A card's "Ask as typed": its question again, misspelled words searched as typed (as `respond`)."""
        question = (getattr(evt, "_data", None) or {}).get("as_typed")
        if not isinstance(question, str) or not question.strip():  # the conversation's other clicks
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return self.respond({"id": uuid4().hex, "question": question, "as_typed": True,
                             "filters": (since, until, doc_ids)}, turns)

    def open_source(self, evt: gr.EventData) -> str:
        data = getattr(evt, "_data", None) or {}
        if "doc_id" not in data:  # another click of the conversation (Ask as typed)
            return gr.skip()
        return self._source(data.get("doc_id", ""), data.get("start", 0), data.get("end", 0), data.get("hl", ""),
                            back=True)

    def _source(self, doc_id, start, end, hl, back: bool = False) -> str:
        try:
            doc = self.engine.document(str(doc_id))
            # "12-40,50-60": (12, 40), (50, 60); anything else is a ValueError
            spans = [(int(a), int(b)) for a, b in (part.split("-") for part in str(hl or "").split(",") if part)]
            return render.source(doc, int(start), int(end), spans, back=back)
        except UnknownDocument:
            return render.source_placeholder("That article is no longer in the index.")
        except (TypeError, ValueError):  # the data comes from the browser or a link: it may be anything
            return render.source_placeholder("That citation could not be read.")

    # ---- layout -------------------------------------------------------------------------
    def blocks(self) -> gr.Blocks:
        with gr.Blocks(title="qa — answers from your articles") as demo:
            with gr.Sidebar(label="Conversations", open=True, elem_id="qa-conversations", width=280):
                self.panel.build()
            with gr.Row(equal_height=True, elem_id="qa-header"):
                gr.HTML('<h1 class="qa-title">qa <span>answers from your articles, in their own words</span></h1>',
                        scale=3)
                status = gr.HTML(elem_id="qa-status", scale=2)
            with gr.Tabs() as tabs:
                with gr.Tab("Chat", id="chat"):
                    self._chat_tab(demo, tabs)
                with gr.Tab("Collection", id="collection"):
                    table = self.collection.build(status, tabs, self.doc_filter)
            # the chat's article filter lists what is indexed now: refreshed whenever the table changes
            table.change(self.doc_choices, outputs=self.doc_filter, queue=False, api_visibility="private")
            demo.load(lambda: (self.collection.status(), self.collection.table()), outputs=[status, table],
                      api_visibility="private")
            gr.api(self._api_fn(), api_name="ask", concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)
        return demo

    def _chat_tab(self, demo: gr.Blocks, tabs: gr.Tabs) -> None:
        turns, pending = gr.State([]), gr.State(None)
        saved = gr.Textbox(visible=False, elem_id="qa-saved")  # the turns as JSON, on their way to sessionStorage
        conversation = gr.Textbox(visible=False, elem_id="qa-conversation-id")  # the one kept on the server
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chat = gr.HTML(render.conversation([]), js_on_load=CHAT_JS, elem_id="qa-conversation", padding=True)
                with gr.Row(elem_id="qa-ask-row"):
                    question = gr.Textbox(placeholder="Ask about the articles", show_label=False, lines=1,
                                          max_lines=1, scale=8, min_width=160, elem_id="qa-question", autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=64, elem_id="qa-ask")
                hint = gr.HTML(render.hint(), elem_id="qa-hint")
                since, until, self.doc_filter = self._filters_row()
                with gr.Row(elem_id="qa-examples"):
                    examples = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
                    clear = gr.Button("Clear conversation", size="sm", variant="secondary", elem_id="qa-clear")
            with gr.Column(scale=2, min_width=300, elem_id="qa-source-col"):
                panel = gr.HTML(render.source_placeholder(), js_on_load=SCROLL_JS, elem_id="qa-source",
                                padding=True)
        private = dict(api_visibility="private")
        filters = [since, until, self.doc_filter]
        # One listener for Enter and Ask: while its first step runs, a second Enter or click is dropped (Gradio's
        # trigger_mode "once" is per listener), and that step disables both. An example fills the box and clicks Ask.
        (gr.on([question.submit, send.click], self.start, inputs=[question, turns, *filters],
               outputs=[chat, question, send, hint, pending, *examples], queue=False, trigger_mode="once", **private)
         .then(self.respond, inputs=[pending, turns, conversation], outputs=[chat, turns, saved, hint, conversation],
               concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY, **private)
         .then(self.unlock, inputs=pending, outputs=[question, send, *examples], queue=False, **private)
         .then(None, inputs=saved, js=SAVE_JS, **private)
         .then(None, js=FOCUS_JS, **private)
         .then(**self.panel.refresh(conversation)))
        for button in examples:
            button.click(lambda text: text, inputs=button, outputs=question, queue=False, **private).then(
                None, js=ASK_JS, **private)
        # the side list's buttons change what the chat shows: the same outputs as Clear, and the tab to show
        self.panel.wire([chat, turns, saved, panel, hint, conversation], tabs, clear, self.clear, SAVE_JS)
        chat.click(self.open_source, outputs=panel, **private)
        chat.click(self.ask_as_typed, inputs=[turns, *filters], outputs=[chat, turns, saved, hint],
                   concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY, **private).then(
            None, inputs=saved, js=SAVE_JS, **private)
        demo.load(self.restore, inputs=saved, outputs=[chat, turns], js=RESTORE_JS, queue=False, **private)
        demo.load(lambda saved_id: saved_id, inputs=conversation, outputs=conversation, js=RESTORE_ID_JS,
                  queue=False, **private).then(**self.panel.refresh(conversation))
        demo.load(self.open_link, outputs=panel, queue=False, **private)
        demo.load(self.doc_choices, outputs=self.doc_filter, queue=False, **private)

    def _filters_row(self):
        """Since, until and which articles: folded until wanted. The article list is `self.doc_filter`."""
        with gr.Accordion("Filters", open=False, elem_id="qa-filters"):
            with gr.Row():
                since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", max_lines=1, min_width=120,
                                   elem_id="qa-filter-since")
                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", max_lines=1, min_width=120,
                                   elem_id="qa-filter-until")
            docs = gr.Dropdown(label="Only these articles", choices=[], multiselect=True, elem_id="qa-filter-docs")
        return since, until, docs

    def _api_fn(self):
        def ask(question: str, k: int = 5, since: str | None = None, until: str | None = None,
                doc: list[str] | None = None, previous: list[str] | None = None) -> dict:
            """Answer `question` with the k best excerpts: the same JSON object as `qa ask --json`.

            `since`/`until` (YYYY-MM-DD) and `doc` (doc ids) limit the answer to those articles; `previous`: the
            earlier questions of the conversation, oldest first (for follow-ups).
            """
            try:
                request = AskRequest.of(question, k, previous or (), since, until, doc or ())
                return ask_engine(self.engine, request).to_json()
            except QAError as exc:
                raise gr.Error(str(exc), print_exception=False) from None

        return ask


def saved_turns(saved: str) -> list[dict]:
    """Turns saved by the browser, or [] when they are not what this app saves (the data comes from the page)."""
    try:
        turns = json.loads(saved or "[]")
    except ValueError:
        return []
    ok = isinstance(turns, list) and all(isinstance(t, dict) and isinstance(t.get("question"), str)
                                         and isinstance(t.get("excerpts", []), list) for t in turns)
    if not ok:
        return []
    try:
        render.conversation(turns)  # every field it reads has the type it expects
    except (KeyError, TypeError, ValueError, AttributeError):
        return []
    return turns[-MAX_TURNS:]


CSS = style.CSS + collection_view.CSS + conversation_list.CSS  # qa/ui/style.py: the chat's own
