"""The chat's CSS, light and dark (Gradio puts `.dark` on an ancestor in dark mode); colours are set in pairs.

A `.dark` rule names one selector: Gradio scopes custom CSS, and the second of `.dark .a, .dark .b` missed."""
from __future__ import annotations

import gradio as gr

CSS = """
.qa-chat { display: flex; flex-direction: column; gap: 18px; max-height: 64vh; overflow-y: auto;
  overflow-x: hidden; padding-right: 4px; scroll-behavior: auto; }
.qa-welcome { color: var(--body-text-color-subdued); margin: 8px 0; }
.qa-turn { border-bottom: 1px solid var(--border-color-primary); padding-bottom: 14px; min-width: 0; }
.qa-question { display: flex; gap: 10px; align-items: baseline; }
.qa-question p { margin: 0; font-weight: 600; font-size: 1.05em; white-space: pre-wrap; overflow-wrap: anywhere; }
.qa-question { flex-wrap: wrap; }
.qa-question > p, .qa-qfold { flex: 1 1 0; min-width: 0; }
.qa-qfold > summary { cursor: pointer; list-style: none; }
.qa-qfold > summary::-webkit-details-marker { display: none; }
.qa-qfold[open] > summary .qa-qhead { display: none; }
.qa-qfold[open] > summary .qa-more { font-size: 0; }
.qa-qfold[open] > summary .qa-more::after { content: "show less"; font-size: .85rem; }
.qa-more { color: var(--link-text-color, #1d4ed8); text-decoration: underline; font-size: .85em; }
.qa-question > .qa-cut { flex: 0 0 100%; font-weight: 400; font-size: .85em; color: var(--body-text-color-subdued); margin: 4px 0 0 0 !important; }
.qa-who { background: var(--button-primary-background-fill); color: white; border-radius: 10px; padding: 1px 8px; font-size: .8em; }
.qa-searched { color: var(--body-text-color-subdued); font-size: .88em; margin: 4px 0 0 0 !important;
  overflow-wrap: anywhere; }
.qa-as-typed { background: none; border: none; padding: 0 0 0 6px; font-size: 1em; cursor: pointer;
  color: var(--link-text-color, #1d4ed8); text-decoration: underline; }
.qa-from-meta { color: var(--body-text-color-subdued); font-size: .85em; }
.qa-pending { color: var(--body-text-color-subdued); font-style: italic; margin-top: 6px !important; }
.qa-card { margin-top: 10px; padding: 10px 14px; border-radius: 8px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); }
.qa-answer-sents { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 6px; }
.qa-answer-sents li { line-height: 1.55; font-size: 1.05em; overflow-wrap: anywhere; white-space: pre-wrap; }
.qa-answer-sents q { quotes: "“" "”"; }
.qa-fact { margin: 0 0 6px; font-size: 1.2em; }
.qa-chip { display: inline-block; margin-left: 2px; padding: 0 6px; border-radius: 9px; font-size: .8em;
  font-weight: 600; cursor: pointer; border: 1px solid var(--color-accent); color: var(--link-text-color, #1d4ed8);
  background: none; vertical-align: 1px; }
.qa-actions { display: flex; justify-content: flex-end; margin-top: 6px; }
.qa-copy { font-size: .82em; padding: 1px 10px; border-radius: 6px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-primary); color: var(--body-text-color); cursor: pointer; }
.qa-copy.qa-done::after { content: " ✓"; }
.qa-caution { background: #fff4e5; color: #6b3f00; border: 1px solid #f5c77e; border-radius: 6px;
  padding: 6px 10px; margin: 0 0 8px 0 !important; font-size: .92em; }
.qa-nomatch { background: #fff4e5; color: #6b3f00; border: 1px solid #f5c77e; border-radius: 6px; padding: 8px 10px;
  margin: 0 !important; }
.qa-sources { margin-top: 10px; }
.qa-sources > summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: .9em; margin-bottom: 4px; }
.qa-excerpts { margin: 4px 0 0 0; padding-left: 0; list-style: none; display: flex; flex-direction: column; gap: 10px; }
.qa-excerpt blockquote { margin: 4px 0 0 0; padding: 6px 12px; border-left: 4px solid var(--color-accent);
  background: var(--background-fill-secondary); white-space: pre-wrap; line-height: 1.5; overflow-wrap: anywhere; }
.qa-none .qa-excerpt blockquote { border-left-color: var(--border-color-primary); }
.qa-whole > summary { cursor: pointer; font-size: .82em; color: var(--body-text-color-subdued); margin-top: 2px; }
.qa-excerpt:has(.qa-whole[open]) .qa-gist { display: none; }
.qa-details { font-size: .8em; color: var(--body-text-color-subdued); margin-top: 2px !important; }
mark.best { background: #ffe066; color: #1a1a1a; padding: 0 1px; border-radius: 2px; }
.qa-cite { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: baseline; font-size: .88em; min-width: 0; }
.qa-cite-btn { background: none; border: none; padding: 0; color: var(--link-text-color, #1d4ed8); cursor: pointer;
  font-weight: 600; text-align: left; text-decoration: underline; font-size: 1em; overflow-wrap: anywhere; }
.qa-chip.qa-cite-btn { text-decoration: none; padding: 0 6px; font-size: .8em; }
.qa-meta { color: var(--body-text-color-subdued); overflow-wrap: anywhere; min-width: 0; }
.qa-link { color: var(--link-text-color, #1d4ed8); }
.qa-file { font-family: var(--font-mono); font-size: .95em; }
.qa-also { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0 6px; }
.qa-took { color: var(--body-text-color-subdued); font-size: .8em; display: block; margin-top: 4px; }
.qa-hint { color: #8a3b00; margin: 2px 0 0 2px; font-size: .92em; }
.qa-back { display: block; margin: 0 0 8px 0; padding: 4px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--link-text-color, #1d4ed8); font-size: .9em; font-weight: 600; }
.dark .qa-back { color: var(--link-text-color, #93c5fd); }
.qa-source h3 { margin: 0 0 6px 0; overflow-wrap: anywhere; }  /* a title of one unbroken word still wraps */
.qa-docmeta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 6px 0; font-size: .9em; }
.qa-docmeta dt { color: var(--body-text-color-subdued); }
.qa-docmeta dd { margin: 0; word-break: break-all; }
.qa-range { font-size: .85em; color: var(--body-text-color-subdued); margin: 0 0 6px 0; }
.qa-doctext { white-space: pre-wrap; line-height: 1.55; max-height: 62vh; overflow-y: auto; padding: 10px 12px;
  border: 1px solid var(--border-color-primary); border-radius: 6px; background: var(--background-fill-secondary);
  overflow-wrap: anywhere; }
mark.qa-passage { background: #dbeafe; color: #0f172a; border-radius: 2px; }
mark.qa-passage mark.best { background: #ffd43b; color: #1a1a1a; }
.qa-empty { color: var(--body-text-color-subdued); padding: 20px 4px; }
.qa-notice ul, .qa-notice p { margin: 0; padding-left: 18px; }
.qa-notice p { padding-left: 0; }
.qa-chat blockquote, .qa-chat ol, .qa-chat p, .qa-source p, .qa-source dl { margin-top: 0; margin-bottom: 0; }
.qa-cite button { margin: 0; }
.qa-notice { border-radius: 6px; padding: 8px 10px; }
.qa-error { background: #fdecec; color: #8a1c1c; }
.qa-ok { background: #eaf7ee; color: #1d5b2e; }
.qa-info { background: var(--background-fill-secondary); }
.qa-nomatch strong { color: inherit; }
.dark mark.qa-passage { background: #1e3a5f; color: #f1f5f9; }
.dark mark.best { background: #facc15; color: #111111; }
.dark mark.qa-passage mark.best { background: #facc15; color: #111111; }
.dark .qa-caution { background: #3b2a10; color: #fde8c4; border-color: #7a5a26; }
.dark .qa-nomatch { background: #3b2a10; color: #fde8c4; border-color: #7a5a26; }
.dark .qa-hint { color: #fdba74; }
.dark .qa-error { background: #3f1d1d; color: #fecaca; }
.dark .qa-ok { background: #163222; color: #bbf7d0; }
.dark .qa-chip { color: var(--link-text-color, #93c5fd); }
.dark .qa-cite-btn { color: var(--link-text-color, #93c5fd); }
.dark .qa-link { color: var(--link-text-color, #93c5fd); }
/* the page's layout: header, ask row, the source column beside the chat (below it on a phone) */
#qa-hint:not(:has(.qa-hint)) { display: none; }
#qa-ask-row { flex-wrap: nowrap; gap: 8px; }
#qa-filters { margin-top: 4px; }
.qa-title { margin: 4px 0 0 0; font-size: 1.6em; }
.qa-title span { font-size: .55em; font-weight: 400; color: var(--body-text-color-subdued); margin-left: 8px; }
#qa-source-col { position: sticky; top: 8px; align-self: flex-start; }
#qa-examples button { flex: 0 1 auto; }
#qa-clear { background: none; border: 1px dashed var(--border-color-primary); margin-left: auto; }
#qa-header { align-items: center; }
.qa-status { text-align: right; color: var(--body-text-color-subdued); font-size: .9em; background: none; }
@media (max-width: 600px) {
  #qa-header { flex-wrap: wrap; gap: 0; }
  #qa-header > * { min-width: 100% !important; }
  .qa-title { font-size: 1.3em; }
  .qa-title span { display: block; margin-left: 0; }
  .qa-status { text-align: left; }
  #qa-source-col { position: static; }
  .qa-chat { max-height: 70vh; }
}
"""


def theme() -> gr.themes.Base:
    """The default look with system fonts: Gradio's own theme fetches Google Fonts, an outside request."""
    return gr.themes.Default(
        font=[gr.themes.Font("system-ui"), gr.themes.Font("Segoe UI"), gr.themes.Font("Helvetica"), "sans-serif"],
        font_mono=[gr.themes.Font("ui-monospace"), gr.themes.Font("Menlo"), gr.themes.Font("Consolas"), "monospace"],
    ).set(  # WCAG AA (4.5:1) in both themes: Gradio's grey meta text is 1.9:1 on white, white on orange-500 2.8:1
        body_text_color_subdued="*neutral_600",
        button_primary_background_fill="*primary_700", button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800", button_primary_background_fill_hover_dark="*primary_800",
    )
