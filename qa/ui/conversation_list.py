"""The chat's side list of the conversations kept on the server (qa/conversations): reopen, rename, delete, export."""
from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

import gradio as gr

from . import render
from ..conversations.export import shown_turn
from ..conversations.store import LOCAL_USER, ConversationStore, Summary, cited_in
from ..engine import Engine
from ..errors import QAError, UnknownConversation

NEW = "New conversation"
DELETE_QUESTION = "Delete this conversation and its answers?"
# A click on a conversation reaches Python as a `click` event with its id. On a phone the side list covers the
# page: it starts closed, and closes once a conversation is picked.
LIST_JS = """
const closeOnPhone = () => {
  if (window.innerWidth >= 768) return;
  element.closest('#qa-conversations.open')?.querySelector('.toggle-button')?.click();
};
element.addEventListener('click', (event) => {
  const item = event.target.closest('.qa-conv-open');
  if (!item) return;
  trigger('click', {id: item.dataset.id});
  closeOnPhone();
});
requestAnimationFrame(closeOnPhone);
"""
# The tab's current conversation id is kept in sessionStorage beside its turns (qa/ui/scripts.py), so a reload
# goes on adding to the same conversation.
ID_KEY = "qa-conversation-id"
SAVE_ID_JS = f"(id) => {{ sessionStorage.setItem('{ID_KEY}', id || ''); return id; }}"  # and passes it on
RESTORE_ID_JS = f"() => sessionStorage.getItem('{ID_KEY}') || ''"
CONFIRM_DELETE_JS = f"(id) => (id && confirm({DELETE_QUESTION!r})) ? id : ''"
CSS = """
#qa-conversations .qa-conv-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
.qa-conv-open { display: block; width: 100%; text-align: left; background: none; border: 0; border-radius: 6px;
  padding: 6px 8px; cursor: pointer; color: var(--body-text-color); overflow-wrap: anywhere; font-weight: 400; }
.qa-conv-open:hover, .qa-conv-open:focus-visible { background: var(--background-fill-secondary); }
.qa-conv-open[aria-current="true"] { background: var(--background-fill-secondary); font-weight: 600;
  box-shadow: inset 3px 0 0 var(--color-accent); }
.qa-conv-when { display: block; font-size: .8em; font-weight: 400; color: var(--body-text-color-subdued); }
.qa-conv-none { color: var(--body-text-color-subdued); font-size: .9em; margin: 4px 8px !important; }
.qa-conv-export { font-size: .9em; margin: 4px 0 !important; }
.qa-conv-export a { color: var(--link-text-color, #1d4ed8); text-decoration: underline; }
.qa-stale { border: 1px solid var(--border-color-primary); border-left: 4px solid #b45309; border-radius: 6px;
  padding: 4px 10px; margin: 8px 0 0 0 !important; font-size: .9em; color: var(--body-text-color); }
#qa-conversations h2 { font-size: 1.1em; margin: 0 0 6px 0; }
/* Gradio's stop button is white on red-500, 3.8:1: red-700 gives 6.5:1 (WCAG AA) in both themes */
#qa-conv-delete { background: #b91c1c; border-color: #b91c1c; color: white; }
#qa-conv-delete:hover { background: #991b1b; }
"""


def owner_of(request: gr.Request | None) -> str:
    """Whose conversations: the logged-in user's with a password, else the one local user's."""
    return (getattr(request, "username", None) or LOCAL_USER) if request is not None else LOCAL_USER


def list_html(summaries: list[Summary], current: str) -> str:
    """The conversations, newest first, each a button with its title and when it was last used (all escaped)."""
    if not summaries:
        return '<p class="qa-conv-none">Your conversations appear here once you ask a question.</p>'
    items = []
    for s in summaries:
        mark = ' aria-current="true"' if s.conversation_id == current else ""
        when = f'{s.updated[:10]} · {s.questions} question{"s" if s.questions != 1 else ""}'
        items.append(f'<li><button type="button" class="qa-conv-open" data-id="{escape(s.conversation_id)}"{mark}>'
                     f'{escape(s.title)}<span class="qa-conv-when">{escape(when)}</span></button></li>')
    return f'<ul class="qa-conv-list" aria-label="Conversations">{"".join(items)}</ul>'


def export_html(conversation_id: str) -> str:
    """Links that download the conversation through the REST API (the same login, the same owner)."""
    base = f"api/conversations/{quote(conversation_id, safe='')}/export"
    return (f'<p class="qa-conv-export">Export: <a href="{escape(base)}.md" download class="qa-export-md">Markdown</a>'
            f' · <a href="{escape(base)}.json" download class="qa-export-json">JSON</a></p>')


class ConversationPanel:
    """The list and the current conversation's tools, over the store that keeps them beside the index."""

    def __init__(self, engine: Engine, store: ConversationStore | None, shown_turns: int):
        """`shown_turns`: the last turns of a reopened conversation that the chat shows (all are exported)."""
        self.engine = engine
        self.shown_turns = shown_turns
        self.store = store or ConversationStore.beside(engine.index_dir)

    def save(self, request: gr.Request | None, conversation_id: str, turn: dict) -> tuple[str, str]:
        """Keep an answer as given, with the content hash of each article it cites; (conversation id, problem).
        A conversation deleted meanwhile (in another tab) goes on as a new one."""
        owner, sources = owner_of(request), self.engine.content_hashes(cited_in(turn))
        try:
            try:
                return self.store.add(owner, conversation_id or None, turn, sources).conversation_id, ""
            except UnknownConversation:
                return self.store.add(owner, None, turn, sources).conversation_id, ""
        except QAError as exc:
            return conversation_id, str(exc)
        except OSError as exc:  # a full disk or a read-only index folder: the answer is still shown
            return conversation_id, f"this answer could not be kept: {exc.strerror or exc}"

    def side(self, conversation_id: str, request: gr.Request):
        """The list, and the current conversation's tools: (list, tools, title box, export links)."""
        summaries = self.store.summaries(owner_of(request))
        current = next((s for s in summaries if s.conversation_id == conversation_id), None)
        tools = gr.update(visible=current is not None)
        if current is None:
            return list_html(summaries, ""), tools, gr.update(value=""), ""
        return list_html(summaries, current.conversation_id), tools, gr.update(value=current.title), \
            export_html(current.conversation_id)

    def reopen(self, evt: gr.EventData, request: gr.Request):
        """The clicked conversation shown as its answers were given, with a note where an article changed since:
        the chat's view (conversation, turns, saved turns, source panel, hint, conversation id) and the tab."""
        data = getattr(evt, "_data", None) or {}
        try:
            found = self.store.get(owner_of(request), str(data.get("id", "")))
        except UnknownConversation:
            return *[gr.skip()] * 4, render.hint("That conversation is no longer kept: it was deleted."), gr.skip(), \
                gr.skip()
        current = self.engine.content_hashes(found.cited())
        turns = [shown_turn(t, current) for t in found.turns][-self.shown_turns:]
        return (render.conversation(turns), turns, json.dumps(turns), render.source_placeholder(), render.hint(),
                found.summary.conversation_id, gr.Tabs(selected="chat"))

    def rename(self, conversation_id: str, title: str, request: gr.Request) -> str:
        """The hint: empty when renamed, else what was wrong."""
        try:
            self.store.rename(owner_of(request), conversation_id, title)
        except QAError as exc:
            return render.hint(str(exc))
        return render.hint()

    def delete(self, conversation_id: str, request: gr.Request):
        """Delete the conversation shown (once confirmed: the id arrives empty otherwise); the chat starts anew."""
        if not conversation_id:
            return [gr.skip()] * 6
        try:
            self.store.delete(owner_of(request), conversation_id)
        except UnknownConversation:
            pass  # deleted already, in another tab
        return self.start_new()

    def build(self) -> None:
        """The side list: New conversation, the list, and the current conversation's title, Rename, Delete, Export."""
        gr.HTML("<h2>Conversations</h2>", padding=False)
        self.new = gr.Button(NEW, size="sm", variant="secondary", elem_id="qa-new-conversation")
        self.listing = gr.HTML(list_html([], ""), js_on_load=LIST_JS, elem_id="qa-conv-list", padding=False)
        with gr.Column(visible=False, elem_id="qa-conv-tools") as self.tools:
            self.title = gr.Textbox(label="Title of this conversation", max_lines=1, elem_id="qa-conv-title")
            with gr.Row():
                self.rename_button = gr.Button("Rename", size="sm", elem_id="qa-conv-rename", min_width=60)
                self.delete_button = gr.Button("Delete", size="sm", variant="stop", elem_id="qa-conv-delete",
                                               min_width=60)
            self.export = gr.HTML("", elem_id="qa-conv-export", padding=False)

    def refresh(self, conversation: gr.Textbox) -> dict:
        """A `.then(**...)` step that keeps the id in `conversation` in the tab's sessionStorage, then redraws the
        list and the tools for it."""
        return dict(fn=self.side, inputs=conversation, outputs=[self.listing, self.tools, self.title, self.export],
                    js=SAVE_ID_JS, queue=False, api_visibility="private")

    def wire(self, view: list, tabs: gr.Tabs, clear: gr.Button, start_new, save_js: str) -> None:
        """The side list's events. `view`: the chat's (conversation, turns, saved turns, source panel, hint,
        conversation id), which `start_new()` empties (the chat's Clear does the same); `save_js` keeps the turns
        in the tab's sessionStorage."""
        self.start_new = start_new
        conversation, hint, private = view[-1], view[4], dict(queue=False, api_visibility="private")
        saved = view[2]

        def then_saved(event) -> None:  # the tab keeps the turns and the id; the list shows the change
            event.then(None, inputs=saved, js=save_js, **private).then(**self.refresh(conversation))

        for button in (clear, self.new):
            then_saved(button.click(start_new, outputs=view, **private))
        then_saved(self.listing.click(self.reopen, outputs=[*view, tabs], **private))
        then_saved(self.delete_button.click(self.delete, inputs=conversation, outputs=view, js=CONFIRM_DELETE_JS,
                                            **private))
        for event in (self.rename_button.click, self.title.submit):
            event(self.rename, inputs=[conversation, self.title], outputs=hint, **private).then(
                **self.refresh(conversation))
