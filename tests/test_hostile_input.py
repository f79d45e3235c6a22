"""Hostile questions through the Engine, `qa ask` and the app's API: answered faithfully or a one-line error."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .support import SEED_QUESTION, seed_index_intact


# Questions that must be answered (as text) without an error.
ODD_QUESTIONS = {
    "100k characters": "fentanyl precursors China " * 4000,
    "control characters": "fentanyl\x00\x01\x07\x1b[31m ban\x7f\u0085\u2028 China\x0c\x0b",
    "emoji": "🚫💊🇨🇳❓ fentanyl 🤔",
    "emoji only": "😀🔥💯",
    "Chinese": "中国什么时候禁止销售芬太尼？",
    "Arabic": "متى حظرت الصين بيع الفنتانيل؟",
    "Cyrillic": "Когда Китай запретил продажу фентанила?",
    "mixed scripts and RTL marks": "\u202efentanyl\u202c 芬太尼 фентанил \u200f",
    "quotes": '"fentanyl" \'ban\' “China”',
    "wildcards": "fent* ?an *",
    "boolean": "fentanyl AND China OR NOT Mexico",
    "NEAR and parentheses": "NEAR(fentanyl, China) ((ban)) )(",
    "field syntax": "title:fentanyl doc_id:* source:../../etc/passwd",
    "SQL": "'; DROP TABLE passages; --",
    "HTML/JS": '<script>alert(1)</script><img src=x onerror="alert(2)"> fentanyl',
    "lone surrogate": "fentanyl \ud800 China",
    "only punctuation": "?!.,;:()[]{}<>",
    "a single letter": "a",
}
EMPTY_QUESTIONS = {"empty": "", "whitespace": " \t\n\r\u3000 ", "control only": "\x00\x01\x1b\x7f"}


def assert_faithful(engine, answer) -> None:
    for e in answer.excerpts:
        doc = engine.document(e.citation.doc_id)
        assert doc.text[e.citation.start:e.citation.end] == e.text
        assert all(e.citation.start <= s < t <= e.citation.end for s, t in e.highlight)



# ---- questions through the Engine -----------------------------------------------------------------
@pytest.mark.parametrize("name", ODD_QUESTIONS)
def test_odd_questions_are_answered_faithfully(seed_engine, name):
    answer = seed_engine.ask(ODD_QUESTIONS[name], 3)
    assert len(answer.excerpts) <= 3
    assert_faithful(seed_engine, answer)


@pytest.mark.parametrize("name", EMPTY_QUESTIONS)
def test_empty_questions_are_one_line_errors(seed_engine, name):
    from qa.errors import QuestionError

    with pytest.raises(QuestionError, match="^the question is empty$"):
        seed_engine.ask(EMPTY_QUESTIONS[name])


@pytest.mark.parametrize("question", [None, 42, b"fentanyl", ["fentanyl"]])
def test_questions_that_are_not_text(seed_engine, question):
    from qa.errors import QuestionError

    with pytest.raises(QuestionError, match="^the question must be text$"):
        seed_engine.ask(question)


def test_hostile_questions_leave_the_index_intact(seed_engine):
    generation = seed_engine.store.generation()
    for question in ODD_QUESTIONS.values():
        seed_engine.ask(question, 2)
    assert seed_engine.store.generation() == generation
    seed_index_intact(seed_engine)


# ---- questions through `qa ask` ---------------------------------------------------------------------
def test_cli_answers_odd_questions_and_skips_empty_lines(seed_engine):
    lines = [q for q in ODD_QUESTIONS.values() if "\n" not in q and "\ud800" not in q and "\u2028" not in q
             and "\x0c" not in q and "\u0085" not in q] + ["", "   "]
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "-", "--json", "-k", "2",
                           "--index", str(seed_engine.index_dir)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=300)
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == len(lines) - 2 and all(len(a["excerpts"]) == 2 for a in answers)
    # a blank line in a batch is skipped, not an error (with --chat it would start a new conversation)
    assert proc.returncode == 0 and proc.stderr == ""


@pytest.mark.parametrize("question", [ODD_QUESTIONS["100k characters"], "fentanyl\x01\x07\x1b[31m ban\x7f China\x0b",
                                      "\x01 \x02"])  # (an argument cannot hold a NUL byte)
def test_cli_question_argument(seed_engine, question):
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "ask", question, "--json", "--index",
                           str(seed_engine.index_dir)], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr
    if question.strip("\x01\x02 "):
        assert proc.returncode == 0 and json.loads(proc.stdout)["excerpts"]
    else:
        assert proc.returncode == 2 and proc.stderr == "qa: error: the question is empty\n"


# ---- questions through the app's `ask` endpoint -------------------------------------------------------
@pytest.fixture(scope="module")
def client(app_server):
    return pytest.importorskip("gradio_client").Client(app_server.url, verbose=False)


@pytest.mark.parametrize("name", [n for n in ODD_QUESTIONS if n != "lone surrogate"])  # JSON cannot carry one
def test_app_answers_odd_questions(client, app_server, name):
    got = client.predict(ODD_QUESTIONS[name], 2, api_name="/ask")
    assert len(got["excerpts"]) == 2
    for e in got["excerpts"]:
        assert (app_server.collection / e["doc_id"]).read_text(encoding="utf-8")[e["start"]:e["end"]] == e["text"]


@pytest.mark.parametrize("k", [0, -5, 10_000, "many", 5.7, True])
def test_app_refuses_a_k_that_is_not_a_whole_number_in_range(client, k):
    with pytest.raises(Exception) as refused:
        client.predict(SEED_QUESTION, k, api_name="/ask")
    message = str(refused.value).strip()
    assert "k must be" in message and "\n" not in message and "Traceback" not in message
    assert client.predict(SEED_QUESTION, 1, api_name="/ask")["excerpts"]  # the app still answers
