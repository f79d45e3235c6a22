"""Retake docs/chat.png: the real app on a temporary copy of seeds/, two questions asked, the first answer's source opened.

Run: `python docs/make_screenshot.py [OUT.png]` (needs chromium and Playwright, as the browser tests do).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.apprunner import launch, stop, wait_until_up  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
QUESTIONS = ("What is the Counternarcotics Working Group?", "When did China ban the sale of fentanyl?")
BOX = "#qa-question textarea, #qa-question input"


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme="light").new_page()
        page.goto(url)
        for n, question in enumerate(QUESTIONS):
            page.locator(BOX).first.fill(question)
            page.locator(BOX).first.press("Enter")
            page.locator(".qa-turn:not(.qa-asking) .qa-took").nth(n).wait_for(timeout=120_000)
            page.wait_for_function(f"() => !document.querySelector('{BOX}').disabled")
        page.locator(".qa-turn >> nth=-1 >> .qa-chip").first.click()
        page.locator("#qa-source mark.qa-passage").wait_for()
        page.wait_for_timeout(300)  # the source panel scrolls to the passage after it renders
        page.screenshot(path=str(out))
        browser.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "chat.png"
    with tempfile.TemporaryDirectory(prefix="qa-shot-") as tmp:
        base = Path(tmp)
        shutil.copytree(ROOT / "seeds", base / "articles")
        with open(base / "app.log", "w") as log:
            proc, url, _ = launch(["--source", str(base / "articles"), "--index", str(base / "index")],
                                  stdout=log, stderr=subprocess.STDOUT, cwd=base)
            try:
                if not wait_until_up(proc, url, timeout=300):
                    print((base / "app.log").read_text()[-2000:], file=sys.stderr)
                    return 1
                shoot(url, out)
            finally:
                stop(proc)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
