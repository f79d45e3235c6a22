"""The `qa` command line, run as a user would run it."""
import json
import shutil

import pytest

from .support import PLAIN, SEEDS, qa

pytestmark = pytest.mark.model  # every test here reads an index that `qa build` made with the model


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS, base / "articles")
    out = qa("build", "--source", str(base / "articles"), "--index", str(base / "index"))
    assert out.returncode == 0, out.stderr
    assert "2 added" in out.stdout
    return base


def test_ask_json(built):
    out = qa("ask", "Who is the NSC spokesman?", "--index", str(built / "index"), "-k", "3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["excerpts"][0]["doc_id"] == PLAIN and len(data["excerpts"]) == 3
    text = (built / "articles" / PLAIN).read_text(encoding="utf-8")
    e = data["excerpts"][0]
    assert text[e["start"]:e["end"]] == e["text"] and "Sean Savett" in e["text"]
    fact = data["fact"]  # the person asked for, marked verbatim
    assert fact["text"] == "Sean Savett" and text[fact["start"]:fact["end"]] == "Sean Savett"


def test_ask_human_output_marks_the_sentence(built):
    out = qa("ask", "Who is the NSC spokesman?", "--index", str(built / "index"), "-k", "2")
    assert out.returncode == 0
    assert "[1] score" in out.stdout and "**" in out.stdout and PLAIN in out.stdout


def test_ask_stdin_jsonl(built):
    out = qa("ask", "-", "--index", str(built / "index"), "--json",
             stdin="When did China ban fentanyl?\nWho wrote the article?\n")
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["question"] for x in lines] == ["When did China ban fentanyl?", "Who wrote the article?"]


def test_ask_stdin_chat_keeps_the_conversation_until_an_empty_line(built):
    lines = "Which veterinary anesthetic did China move to regulate?\nWhen?\n\nWhen?\n"
    out = qa("ask", "-", "--index", str(built / "index"), "--json", "--chat", "-k", "2", stdin=lines)
    assert out.returncode == 0, out.stderr
    got = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["question"] for x in got] == [lines.split("\n")[0], "When?", "When?"]
    assert "anesthetic" in got[1]["searched_for"] and "July 15" in got[1]["answer"][0]["text"]
    assert got[2]["searched_for"] == "When?"  # the empty line started a new conversation
    plain_run = qa("ask", "-", "--index", str(built / "index"), "--json", "-k", "2", stdin=lines)
    assert plain_run.returncode == 0 and plain_run.stderr == ""  # without --chat the empty line is skipped
    assert [json.loads(x)["searched_for"] for x in plain_run.stdout.splitlines()][1] == "When?"
    human = qa("ask", "-", "--index", str(built / "index"), "--chat", "-k", "1", stdin=lines)
    assert "(searched for: When? " in human.stdout


def test_show(built):
    out = qa("show", PLAIN, "--index", str(built / "index"), "--json")
    data = json.loads(out.stdout)
    assert data["byline"] == "Maria Ortiz" and data["text"] == (SEEDS / PLAIN).read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [
    ("ask", "   "),
    ("ask", "anything", "--index", "/nonexistent/index"),
    ("show", "no-such-doc.txt"),
])
def test_errors_are_one_line_exit_2(built, args):
    args = list(args)
    if "--index" not in args:
        args += ["--index", str(built / "index")]
    out = qa(*args)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("qa: error:")
    assert "Traceback" not in out.stderr
