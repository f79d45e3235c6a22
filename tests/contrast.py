"""WCAG 2 contrast of rendered text, measured in the browser (the browser tests' shared script)."""
from __future__ import annotations

AA = 4.5  # WCAG AA's least contrast for text
# The lowest contrast among the visible elements matching a selector that hold text of their own (or are form
# fields): each text colour is composited over the backgrounds behind it (ancestors, walked up until one is
# opaque, then the page), with WCAG 2's relative luminance. Returns [ratio, the worst element, its colours].
CONTRAST_JS = """
(selector) => {
  const rgba = (c) => { const v = (c.match(/[\\d.]+/g) || []).map(Number);
    return v.length < 3 ? null : [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = (el) => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]); };
  const ownText = (e) => ['INPUT', 'TEXTAREA'].includes(e.tagName) ? true :
    [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  const visible = (e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden';
  let worst = null;
  for (const root of document.querySelectorAll(selector)) {
    for (const e of [root, ...root.querySelectorAll('*')]) {
      if (!visible(e) || !ownText(e)) continue;
      const bg = background(e), fg = over(rgba(getComputedStyle(e).color), bg);
      const [a, b] = [lum(fg), lum(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (!worst || ratio < worst[0]) worst = [ratio, `${e.tagName}.${e.className}`.slice(0, 60),
        `rgb(${fg.slice(0, 3).map(Math.round)}) on rgb(${bg.slice(0, 3).map(Math.round)})`];
    }
  }
  return worst;
}
"""
