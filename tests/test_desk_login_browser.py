"""With QA_PASSWORD set, conversations belong to the login in the browser: logged in through the real login page,
a question's conversation is listed for that login, in a fresh profile too; another login name sees none of it,
nor does the login see the conversations of the local user (a loopback run without a password)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.conversations.store import LOCAL_USER, ConversationStore

from .apprunner import launch, stop, wait_until_up
from .support import ANSWER_TIMEOUT, HTTP_PATIENCE, SEED_QUESTION, SEEDS

httpx = pytest.importorskip("httpx")
pytest.importorskip("playwright")
pytestmark = [pytest.mark.browser, pytest.mark.model]  # the app's start-up build loads the model
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"  # git-ignored, where the other browser tests save
PASSWORD = "change-me"
USER = "qa"  # app.py's default login name (--user)
BOX = "#qa-question textarea, #qa-question input"


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    """`QA_PASSWORD=... python app.py` on a free loopback port over a copy of seeds/."""
    base = tmp_path_factory.mktemp("login")
    collection = base / "articles"
    shutil.copytree(SEEDS, collection)
    with open(base / "app.log", "w") as log:
        proc, url, _ = launch(["--source", str(collection), "--index", str(base / "index")], stdout=log,
                              stderr=subprocess.STDOUT, cwd=base, env={**os.environ, "QA_PASSWORD": PASSWORD})
        try:
            if not wait_until_up(proc, url, timeout=300):
                proc.kill()
                pytest.fail(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
            yield SimpleNamespace(url=url, index=base / "index")
        finally:
            stop(proc)


def log_in(browser, url: str, user: str, width: int = 1400, theme: str = "light"):
    """A fresh browser context (no cookies) at the login page, the form filled in and sent; its page."""
    pg = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    pg.goto(url + ("?__theme=dark" if theme == "dark" else ""))
    pg.locator("input[type=password]").wait_for(timeout=ANSWER_TIMEOUT)
    pg.locator("input:not([type=password])").first.fill(user)
    pg.locator("input[type=password]").fill(PASSWORD)
    pg.get_by_role("button", name="Login").click()
    return pg


def ask(pg, question: str) -> None:
    box = pg.locator(BOX).first
    box.fill(question)
    box.press("Enter")
    pg.locator(".qa-turn:not(.qa-asking) .qa-took").first.wait_for(timeout=ANSWER_TIMEOUT)


def listed(pg) -> list[str]:
    return pg.locator(".qa-conv-open").evaluate_all("(items) => items.map((e) => e.dataset.id)")


def test_the_conversation_is_the_logins_own(browser, locked):
    with httpx.Client(base_url=locked.url.rstrip("/"), auth=(USER, PASSWORD), timeout=HTTP_PATIENCE) as api:
        answer = api.get("/api/ask", params={"q": SEED_QUESTION}).json()
    # kept by a loopback run without a password, in the same store: the one local user's, not this login's
    local = ConversationStore.beside(locked.index).add(LOCAL_USER, None, answer, {}).conversation_id

    pg = log_in(browser, locked.url, USER)
    pg.locator(BOX).first.wait_for(timeout=ANSWER_TIMEOUT)
    assert listed(pg) == []  # the local user's conversation is not this login's
    ask(pg, SEED_QUESTION)
    current = pg.locator(".qa-conv-open[aria-current='true']")
    current.wait_for(timeout=ANSWER_TIMEOUT)
    mine = current.get_attribute("data-id")
    assert current.inner_text().startswith(SEED_QUESTION) and listed(pg) == [mine]
    shoot(pg, "desk-login-light.png")
    pg.context.close()

    again = log_in(browser, locked.url, USER, width=390, theme="dark")  # a fresh profile: the server keeps it
    again.locator(BOX).first.wait_for(timeout=ANSWER_TIMEOUT)
    again.locator("#qa-conversations .toggle-button").click()  # on a phone the list is folded away
    again.locator(f".qa-conv-open[data-id='{mine}']").wait_for(state="visible", timeout=ANSWER_TIMEOUT)
    again.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    assert listed(again) == [mine]
    shoot(again, "desk-login-dark-390.png")
    again.context.close()

    other = log_in(browser, locked.url, "someone", theme="dark")  # another login name, the same password
    other.get_by_text("Incorrect Credentials").wait_for(timeout=ANSWER_TIMEOUT)
    assert other.locator(BOX).count() == 0 and other.locator(".qa-conv-open").count() == 0
    assert "fentanyl" not in other.content().lower()
    shoot(other, "desk-login-refused-dark.png")
    other.context.close()

    with httpx.Client(base_url=locked.url.rstrip("/"), timeout=HTTP_PATIENCE) as api:
        assert [c["id"] for c in api.get("/api/conversations", auth=(USER, PASSWORD)).json()["conversations"]] \
            == [mine]
        assert api.get("/api/conversations", auth=("someone", PASSWORD)).status_code == 401
        assert api.get(f"/api/conversations/{mine}", auth=("someone", PASSWORD)).status_code == 401
    assert [s.conversation_id for s in ConversationStore.beside(locked.index).summaries(LOCAL_USER)] == [local]


def shoot(pg, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / name))
