"""Hostile questions (Engine, CLI, app API), hostile files, hostile upload names: no crash, a clear message, nothing lost."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .support import PLAIN, ROOT, SEED_ANSWER, SEED_QUESTION, SEEDS, SPUN


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


def assert_seed_index_intact(engine) -> None:
    assert {d.doc_id for d, _ in engine.documents()} >= {SPUN, PLAIN}
    assert any(SEED_ANSWER in e.text for e in engine.ask(SEED_QUESTION, 3).excerpts)


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
    assert_seed_index_intact(seed_engine)


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


# ---- hostile files ---------------------------------------------------------------------------------------
def hostile_collection(folder: Path) -> dict[str, str]:
    """Seeds plus one file of each hostile kind; returns {file: what should happen to it}."""
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(500))
    (folder / "mixed.txt").write_bytes("Caf\u00e9 owners in Zorbtown ".encode() + "na\u00efve cr\u00e8me ".encode("cp1252")
                                       + b"\xff\xfe broken bytes \xc3\x28 and the Zorbtown harbour reopened.\n")
    (folder / "latin1.txt").write_bytes("Qu\u00e9bec's Vrelmarsh ferry carried 812 cars.\n".encode("latin-1"))
    (folder / "utf16.txt").write_bytes("Glimwick bakery sold 77 pies.\n".encode("utf-16"))
    (folder / "malformed.html").write_text("<html><head><title>Broken <b>page</title><body><p>The Quillhaven "
                                           "lighthouse keeper <i>retired <p>after 40 years<div></span></table>"
                                           "<script>alert(1)</script><!-- unclosed", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer<<>>\n%%EO")
    (folder / "notreally.pdf").write_text("just text with a pdf name", encoding="utf-8")
    (folder / "copy of plain.txt").write_bytes((SEEDS / PLAIN).read_bytes())
    return {"empty.txt": "no text", "blank.md": "no text", "binary.txt": "binary file", "image.html": "binary file",
            "broken.pdf": "PDF could not be parsed", "notreally.pdf": "PDF could not be parsed"}


def test_hostile_files_are_skipped_or_indexed_and_nothing_is_lost(tmp_path, fresh_engine):
    folder = tmp_path / "articles"
    expected_skips = hostile_collection(folder)
    engine = fresh_engine()
    report = engine.build([folder], warn=lambda msg: None)
    skipped = dict(report.skipped)
    for name, reason in expected_skips.items():
        assert reason in skipped.get(name, ""), f"{name}: {skipped.get(name)}"
        assert "\n" not in skipped[name]
    indexed = {d.doc_id for d, _ in engine.documents()}
    assert indexed == {p.name for p in folder.iterdir()} - set(expected_skips)
    assert "Zorbtown harbour reopened" in engine.document("mixed.txt").text  # mixed encodings: decoded, not dropped
    assert "Québec's Vrelmarsh" in engine.document("latin1.txt").text
    assert engine.document("utf16.txt").text.strip() == "Glimwick bakery sold 77 pies."
    assert "Quillhaven" in engine.document("malformed.html").text and "alert" not in engine.document("malformed.html").text
    assert_seed_index_intact(engine)
    # the same content under two names: both are indexed, an answer quotes it once
    cited = [e.citation.doc_id for e in engine.ask("What is the Counternarcotics Working Group?", 5).excerpts]
    assert (PLAIN in cited) != ("copy of plain.txt" in cited), f"one of the two copies, not both: {cited}"
    texts = [e.text for e in engine.ask("What is the Counternarcotics Working Group?", 5).excerpts]
    assert len(texts) == len(set(texts)), "the same passage was shown twice"


def test_a_good_file_turned_bad_keeps_its_indexed_version(tmp_path, fresh_engine):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    engine = fresh_engine()
    engine.build([folder])
    (folder / SPUN).write_bytes(b"\x00\x01binary now" * 100)
    warnings: list[str] = []
    report = engine.build([folder], warn=warnings.append)
    assert any(SPUN in w and "binary" in w and "indexed version is kept" in w for w in warnings)
    assert report.updated == [] and SPUN not in report.removed
    assert_seed_index_intact(engine)


def test_fifty_megabytes_of_text_is_skipped_unread_with_the_limit_named(tmp_path, fresh_engine):
    import resource

    from qa.ingest.loader import MAX_FILE_BYTES

    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    engine = fresh_engine()
    engine.build([folder])  # the model is loaded now, whichever tests ran before: the peak below is the file's
    line = b"The enormous report repeats this sentence about nothing in particular again and again.\n"
    with open(folder / "huge.txt", "wb") as out:
        for _ in range(50 * 2**20 // (len(line) * 1024) + 1):
            out.write(line * 1024)
    assert (folder / "huge.txt").stat().st_size >= 50 * 2**20 > MAX_FILE_BYTES
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = engine.build([folder], warn=lambda msg: None)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 200 * 1024  # KiB: never read whole
    reason = dict(report.skipped)["huge.txt"]
    assert reason == f"too large (50 MB > {MAX_FILE_BYTES // 2**20} MB)"
    assert_seed_index_intact(engine)


# ---- hostile upload names ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../escape.txt", "../../etc/passwd.txt", "a/../../b.txt", "/etc/cron.d/x.txt",
                                  "/tmp/abs.txt", "C:\\Windows\\x.txt", "..\\..\\win.txt", "\\\\server\\share\\x.txt"])
def test_upload_names_cannot_leave_the_collection(tmp_path, name):
    from qa.ingest.uploads import save_uploads

    collection, outside = tmp_path / "collection", tmp_path / "upload-src"
    outside.mkdir()
    src = outside / "payload.txt"
    src.write_text("an article that tries to escape", encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    report = save_uploads([(name, src)], collection)
    assert report.saved == [] and len(report.errors) == 1 and "\n" not in report.errors[0]
    assert {p for p in tmp_path.rglob("*")} - before <= {collection}  # nothing written anywhere else


# ---- exposure ------------------------------------------------------------------------------------------
def _listening_addresses(port: int) -> set[str]:
    import psutil

    return {c.laddr.ip for c in psutil.net_connections(kind="inet") if c.status == "LISTEN" and c.laddr.port == port}


def _outside_address() -> str | None:
    """An address of this machine that other machines could reach (not loopback), if it has one."""
    import ipaddress

    import psutil

    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family.name == "AF_INET" and not ipaddress.ip_address(a.address).is_loopback:
                return a.address
    return None


def test_app_listens_on_loopback_only_by_default(app_server):
    import socket
    from urllib.parse import urlparse

    port = urlparse(app_server.url).port
    assert _listening_addresses(port) == {"127.0.0.1"}
    outside = _outside_address()
    if outside:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(5)
            s.connect((outside, port))


def test_expose_without_a_password_is_refused(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != "QA_PASSWORD"}
    run = subprocess.run([sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--expose", "--index",
                          str(tmp_path / "i")], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "QA_PASSWORD" in run.stderr
    assert not (tmp_path / "i").exists()


def test_exposed_app_needs_the_password(seed_engine, tmp_path):
    import os

    from .apprunner import launch, stop, wait_until_up

    gradio_client = pytest.importorskip("gradio_client")
    host = _outside_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address")
    env = dict(os.environ, QA_PASSWORD="correct horse")
    log = open(tmp_path / "app.log", "w")
    app, url, port = launch(["--host", host, "--expose", "--index", str(seed_engine.index_dir),
                       "--source", str(seed_engine.index_dir.parent / "articles")],
                      host=host, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        assert wait_until_up(app, url, timeout=180), (tmp_path / "app.log").read_text()[-2000:]
        assert _listening_addresses(port) == {host}
        with pytest.raises(Exception):
            gradio_client.Client(url, verbose=False).predict(SEED_QUESTION, 1, api_name="/ask")
        with pytest.raises(Exception):
            gradio_client.Client(url, auth=("qa", "wrong"), verbose=False)
        got = gradio_client.Client(url, auth=("qa", "correct horse"), verbose=False).predict(SEED_QUESTION, 1, api_name="/ask")
        assert SEED_ANSWER in got["excerpts"][0]["text"]
    finally:
        stop(app)
        log.close()
