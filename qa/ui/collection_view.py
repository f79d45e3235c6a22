"""The Collection tab's layout and HTML: the add row, the confirmations, the table and the article preview."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from . import render
from ..config import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, UPLOAD_SUFFIXES
from ..records import Document

if TYPE_CHECKING:
    from .collection_tab import CollectionTab

HEADERS = ["Date", "Title", "File", "Byline", "Copies", "Passages"]
# Shares of the table's width; "Copies" and "Passages" need 67 and 83 px for their name and the column menu button,
# which 11% and 14% of the table's least width (680 px, in CSS below) leave them.
TABLE_COLUMN_WIDTHS = ["14%", "30%", "17%", "14%", "11%", "14%"]
NOTHING_OPEN = "Select an article in the table to read it here, download it, delete it or ask within it."
REBUILD_WARNING = ("Rebuild re-reads and re-embeds every article: it takes minutes on a large collection. "
                   "Questions are answered from the current index meanwhile.")
PRIVATE = dict(api_visibility="private")
# A copy's button in the preview opens that copy (CollectionTab.open_copy).
PREVIEW_JS = """
element.addEventListener('click', (event) => {
  const copy = event.target.closest('.qa-open-copy');
  if (copy) trigger('click', {doc_id: copy.dataset.doc});
});
"""


def layout(tab: CollectionTab, status: gr.HTML, tabs: gr.Tabs | None, doc_filter) -> gr.Dataframe:
    """Build the tab's components and wire their events; returns the table (the page load fills it)."""
    gr.Markdown(limits_text(tab.uploads))
    with gr.Row(equal_height=False):
        files = gr.File(label="Upload articles", file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                        type="filepath", elem_id="qa-upload", scale=3, height=120)
        with gr.Column(scale=2, min_width=280):
            url = gr.Textbox(label="Add by address", placeholder="https://… (one or more, separated by spaces)",
                             lines=1, max_lines=3, elem_id="qa-url")
            add = gr.Button("Fetch and add", variant="primary", size="sm", elem_id="qa-add-url")
    with gr.Row():
        update = gr.Button("Update index from folder", variant="secondary", elem_id="qa-update")
        rebuild = gr.Button("Rebuild index from scratch…", variant="stop", elem_id="qa-rebuild")
    with gr.Row(visible=False, elem_id="qa-rebuild-confirm", elem_classes="qa-confirm") as rebuild_ask:
        gr.Markdown(REBUILD_WARNING)
        rebuild_yes = gr.Button("Yes, rebuild from scratch", variant="stop", size="sm", elem_id="qa-rebuild-yes")
        rebuild_no = gr.Button("Cancel", size="sm", elem_id="qa-rebuild-no")
    result = gr.HTML(elem_id="qa-build-result")
    selected = gr.State("")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            table = gr.Dataframe(headers=HEADERS, datatype=["str", "str", "str", "str", "number", "number"],
                                 interactive=False, wrap=True, elem_id="qa-docs",
                                 label="Articles (newest first; a column's ⋮ menu sorts by it; a Copies "
                                       "count lists the copies)",
                                 column_widths=TABLE_COLUMN_WIDTHS, max_height=640)
        with gr.Column(scale=2, min_width=320, elem_id="qa-preview-col"):
            with gr.Row(visible=False, elem_id="qa-article-actions") as actions:
                download = gr.DownloadButton("Download", visible=False, size="sm", elem_id="qa-download")
                within = gr.Button("Ask within this article", size="sm", elem_id="qa-ask-within",
                                   visible=doc_filter is not None)
                remove = gr.Button("Delete…", variant="stop", size="sm", elem_id="qa-delete")
            with gr.Row(visible=False, elem_id="qa-delete-confirm", elem_classes="qa-confirm") as delete_ask:
                delete_text = gr.HTML()
                delete_yes = gr.Button("Yes, delete", variant="stop", size="sm", elem_id="qa-delete-yes")
                delete_no = gr.Button("Cancel", size="sm", elem_id="qa-delete-no")
            article = gr.HTML(placeholder(), elem_id="qa-preview", padding=True, js_on_load=PREVIEW_JS)

    build = dict(concurrency_id="build", concurrency_limit=1, show_progress_on=result, **PRIVATE)
    listed = [result, table, status]
    # a new action clears the last one's message first, so an old line never sits beside a new, unrelated one
    clear = dict(fn=lambda: "", outputs=result, queue=False, show_progress="hidden", **PRIVATE)
    files.upload(**clear).then(tab.add_files, inputs=files, outputs=[*listed, files], **build)
    add_event = dict(fn=tab.add_url, inputs=url, outputs=[*listed, url], **build)
    add.click(**clear).then(**add_event)
    url.submit(**clear).then(**add_event)
    update.click(**clear).then(tab.update_index, outputs=listed, **build)
    show, hide = (lambda: gr.Row(visible=True)), (lambda: gr.Row(visible=False))
    rebuild.click(show, outputs=rebuild_ask, **PRIVATE)
    rebuild_no.click(hide, outputs=rebuild_ask, **PRIVATE)
    rebuild_yes.click(hide, outputs=rebuild_ask, **PRIVATE).then(**clear).then(tab.rebuild_index, outputs=listed,
                                                                               **build)

    opened = [selected, article, download, actions]
    table.select(tab.open_row, outputs=opened, **PRIVATE).then(hide, outputs=delete_ask, **PRIVATE)
    article.click(tab.open_copy, outputs=opened, **PRIVATE).then(hide, outputs=delete_ask, **PRIVATE)
    remove.click(lambda doc_id: (gr.Row(visible=True), confirm_delete_text(doc_id)), inputs=selected,
                 outputs=[delete_ask, delete_text], **PRIVATE)
    delete_no.click(hide, outputs=delete_ask, **PRIVATE)
    delete_yes.click(hide, outputs=delete_ask, **PRIVATE).then(**clear).then(
        tab.delete_article, inputs=selected, outputs=[*listed, *opened], **build)
    if doc_filter is not None:
        targets = [doc_filter] + ([tabs] if tabs is not None else [])
        within.click(lambda doc_id: tab.ask_within(doc_id)[:len(targets)], inputs=selected, outputs=targets,
                     **PRIVATE)
    return table


def confirm_delete_text(doc_id: str) -> str:
    return (f"<p>Delete <b>{escape(doc_id)}</b>? Its file is removed from the collection folder and its passages "
            "from the index. This cannot be undone.</p>")


def preview(doc: Document, passages: int, copies: list[tuple[str, str]], show_copies: bool = False) -> str:
    """The whole article with its metadata, for the Collection tab's preview panel. `copies`: the other articles
    carrying its story as (doc id, title), each listed with a button that opens it here; `show_copies` (the
    Copies count was clicked) says so also when there are none."""
    rows = [("By", doc.byline), ("Date", _date(doc)), ("URL", doc.url), ("File", doc.doc_id),
            ("Passages", str(passages)), ("Copies", str(len(copies)) if copies else "")]
    meta = "".join(f"<dt>{label}</dt><dd>{escape(value)}</dd>" for label, value in rows if value)
    return (f'<article class="qa-source qa-preview"><h3>{escape(render.shown_title(doc.title, doc.doc_id))}</h3>'
            f'<dl class="qa-docmeta">{meta}</dl>{copies_list(copies, show_copies)}'
            f'<div class="qa-doctext">{escape(doc.text)}</div></article>')


def copies_list(copies: list[tuple[str, str]], show: bool = False) -> str:
    """The other copies of a story, each its title (a button that opens it in the preview) and its file."""
    if not copies:
        return '<p class="qa-copies">No other article carries this story.</p>' if show else ""
    items = "".join(f'<li><button type="button" class="qa-open-copy" data-doc="{escape(doc_id)}" '
                    f'title="Open {escape(doc_id)} here">{escape(title)}</button> '
                    f'<span class="qa-copy-file">{escape(doc_id)}</span></li>' for doc_id, title in copies)
    count = f'{len(copies)} other cop{"ies" if len(copies) > 1 else "y"}'
    return (f'<section class="qa-copies" aria-label="Copies of this story"><h4>This story is also in '
            f'{count}</h4><ul>{items}</ul></section>')


def _date(doc: Document) -> str | None:
    shown = render.shown_date(doc.date, doc.date_text)
    if doc.date_text and doc.date and doc.date_text not in (doc.date, shown):
        return f"{shown} ({doc.date_text})"
    return shown or None


def placeholder(message: str = NOTHING_OPEN) -> str:
    return render.source_placeholder(message)


def limits_text(uploads: Path) -> str:
    return (f"Add articles ({', '.join(UPLOAD_SUFFIXES)}; up to {MAX_UPLOAD_FILES} files at once, "
            f"{MAX_UPLOAD_BYTES // 2**20} MB each), or paste an article's address. They are saved in the "
            f"{uploads.name}/ folder and indexed right away; questions keep being answered from the current "
            "index meanwhile.")


CSS = """
#qa-build-result { min-height: 40px; }
#qa-preview-col { position: sticky; top: 8px; align-self: flex-start; }
#qa-article-actions { gap: 8px; flex-wrap: wrap; }
#qa-article-actions button, #qa-article-actions a { flex: 0 1 auto; }
.qa-confirm { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 8px 10px;
  background: var(--background-fill-secondary); align-items: center; }
.qa-preview .qa-doctext { max-height: 56vh; }
#qa-docs [role=columnheader] * { white-space: nowrap !important; word-break: keep-all !important;
  overflow-wrap: normal !important; }
#qa-docs [role=columnheader] { min-width: max-content; }
/* Gradio sizes the columns as shares of the table's width: below 680 px a header no longer fits its
   share (at 390 px "Byline" showed as "Byli"), so the table keeps that width and scrolls sideways instead. */
#qa-docs .table-wrap { min-width: 680px; }
#qa-docs .table-container { overflow-x: auto !important; }
#qa-docs .cell-selected { --ring-color: transparent !important; box-shadow: none !important;
  background: var(--table-row-focus, var(--background-fill-secondary)); }
#qa-docs .cell-selected * { box-shadow: none !important; }
#qa-docs .focus { --ring-color: transparent !important; box-shadow: none !important; }
#qa-docs .body-cell .cell-menu-button { display: none !important; }
#qa-docs .selection-button { display: none !important; }
.qa-copies { margin: 0 0 8px 0; font-size: .92em; }
.qa-copies h4 { margin: 0 0 4px 0; font-size: 1em; }
.qa-copies ul { margin: 0; padding-left: 12px; list-style: none; }
.qa-copies li { margin: 2px 0; }
.qa-open-copy { display: inline; font: inherit; background: none; border: none; padding: 0; cursor: pointer;
  text-align: left; font-weight: 600; color: var(--link-text-color, #1d4ed8); text-decoration: underline;
  overflow-wrap: anywhere; }
.qa-copy-file { color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
"""
# the Copies count reads as a link: a click on it lists the copies in the preview (CollectionTab.open_row)
CSS += (f'#qa-docs [role=gridcell][data-col="{HEADERS.index("Copies")}"] span[data-editable] {{ cursor: pointer; '
        'color: var(--link-text-color, #1d4ed8); text-decoration: underline; }\n'
        # dark: Gradio's link blue is 2.8:1 on the selected row's grey; blue-300 is 5.7:1 there
        f'.dark #qa-docs [role=gridcell][data-col="{HEADERS.index("Copies")}"] span[data-editable] {{ color: #93c5fd; }}\n')
