"""The chat's few lines of browser JavaScript: clicks, Copy, scrolling, and the tab's saved conversation."""
from __future__ import annotations

# Clicks inside the conversation: a citation reaches Python as a `click` event with its data; Copy writes the
# answer's Markdown (its relative links made absolute here, where the page's address is known). After each new
# value the conversation box scrolls so that the newest turn's top is in view.
CHAT_JS = """
const copyText = (text) => {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');  // plain http on another host: no clipboard API
  area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
  document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
  return Promise.resolve();
};
element.addEventListener('click', (event) => {
  const copy = event.target.closest('.qa-copy');
  if (copy) {
    const base = location.origin + location.pathname;
    copyText(copy.dataset.md.replaceAll('](?doc=', '](' + base + '?doc=')).then(() => copy.classList.add('qa-done'));
    return;
  }
  const asTyped = event.target.closest('.qa-as-typed');
  if (asTyped) {  // the question again, its misspelled words searched as typed (chat.py `ask_as_typed`)
    trigger('click', {as_typed: asTyped.dataset.question});
    return;
  }
  const btn = event.target.closest('.qa-cite-btn');
  if (!btn) return;
  // where the source was opened from, for the panel's "Back to the answer" (the chat's HTML is replaced on
  // every answer, so the place is kept as the turn's id and the button's position in it)
  const turn = btn.closest('.qa-turn');
  window.qaCitedFrom = turn && {turn: turn.id, index: [...turn.querySelectorAll('.qa-cite-btn')].indexOf(btn)};
  trigger('click', {doc_id: btn.dataset.doc, start: Number(btn.dataset.start),
                    end: Number(btn.dataset.end), hl: btn.dataset.hl || ''});
});
const toNewest = () => {
  const box = element.querySelector('.qa-chat');
  const turns = box ? box.querySelectorAll('.qa-turn') : [];
  if (!turns.length) return;
  const last = turns[turns.length - 1];
  box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top;
  const top = last.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.8) window.scrollBy(0, top - 8);
};
watch('value', () => requestAnimationFrame(toNewest));
"""
# After the source panel shows a new article, scroll its text so the cited passage is in view. Its "Back to the
# answer" button scrolls the citation it was opened from back into view and focuses it.
SCROLL_JS = """
element.addEventListener('click', (event) => {
  if (!event.target.closest('.qa-back')) return;
  const from = window.qaCitedFrom, turn = from && document.getElementById(from.turn);
  const target = turn && (turn.querySelectorAll('.qa-cite-btn')[from.index] || turn);
  if (!target) return;
  target.scrollIntoView({block: 'center'});
  target.focus({preventScroll: true});
});
watch('value', () => {
  const mark = element.querySelector('#qa-cited');
  const box = element.querySelector('.qa-doctext');
  if (!mark || !box) return;
  box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight) element.scrollIntoView({block: 'start'});
});
"""
# The conversation is kept in the tab's sessionStorage: it survives a reload of that tab, and only that tab's.
STORAGE_KEY = "qa-conversation"
SAVE_JS = f"(saved) => {{ sessionStorage.setItem('{STORAGE_KEY}', saved || '[]'); }}"
RESTORE_JS = f"(saved) => sessionStorage.getItem('{STORAGE_KEY}') || '[]'"
FOCUS_JS = "() => { document.querySelector('#qa-question textarea, #qa-question input')?.focus(); }"
ASK_JS = "() => { document.querySelector('#qa-ask')?.click(); }"
