"""What the tests share: the seed articles, a generated collection, driving `qa build`, index invariants."""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SPUN = "000_b9860484f37b842b.txt"
PLAIN = "002_b36ef5ac26814476.txt"
SEED_QUESTION = "When did China ban the sale of fentanyl?"
SEED_ANSWER = "banned the sale of fentanyl in 2019"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# ms a browser test waits for anything to appear (an answer, a preview, a panel): a net against a hung app, never a
# speed check; the CPU is shared with other work in CI. Every page's default timeout too (PatientBrowser).
ANSWER_TIMEOUT = 300_000
# seconds an HTTP request of a test (gradio_client, httpx) may wait for the app: a net against a hung server,
# never a speed check
HTTP_PATIENCE = 600
_SYLLABLES = ["ka", "lo", "mir", "zen", "tha", "vor", "qui", "bel", "dra", "nus", "pex", "ro", "sil", "gu", "fen", "yar"]
_NOUNS = ["harbour", "council", "orchard", "railway", "library", "bridge", "festival", "mill", "observatory", "market"]
_VERBS = ["reported", "noted", "confirmed", "described", "recorded", "announced"]

# An article whose text is markup: the UI must show it as text and run none of it.
HOSTILE_NAME = "hostile_markup.txt"
HOSTILE_TEXT = (
    '<img src=x onerror="window.__pwned=1"> The zebra lighthouse report\n'
    "The zebra lighthouse keeper counted 4,211 passing ships during 2023, a record for the harbour. "
    "<script>window.__pwned = 2</script> He logged every ship by hand. "
    '<img src=x onerror="window.__pwned=3"> The lighthouse was painted in black and white stripes in 1911.\n'
)


class PatientBrowser:
    """A Playwright browser whose contexts and pages wait ANSWER_TIMEOUT for anything, instead of Playwright's 30 s
    default: a click or a wait on a loaded machine is slow, not wrong. Everything else is the browser's own."""

    def __init__(self, browser):
        self.browser = browser

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        context.set_default_timeout(ANSWER_TIMEOUT)
        return context

    def new_page(self, **options):
        page = self.browser.new_page(**options)
        page.set_default_timeout(ANSWER_TIMEOUT)
        return page

    def __getattr__(self, name: str):
        return getattr(self.browser, name)


def seed_index_intact(engine) -> None:
    """The seed articles are still indexed and the seed question still finds its answer."""
    assert {d.doc_id for d, _ in engine.documents()} >= {SPUN, PLAIN}
    assert any(SEED_ANSWER in e.text for e in engine.ask(SEED_QUESTION, 3).excerpts)


def seed_questions() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "eval" / "seeds.jsonl").read_text().splitlines() if line.strip()]


# ---- a generated collection: every article has a made-up name that only it contains --------------
def keyword(i: int) -> str:
    rng = random.Random(f"kw{i}")
    return "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize() + "ia"


def article(i: int, version: int = 0) -> str:
    """About two passages of text; a new `version` rewrites every sentence, so nothing is in the embedding cache."""
    rng = random.Random(f"art{i}v{version}")
    name = keyword(i)
    lines = [f"The {name} {_NOUNS[i % len(_NOUNS)]} story (edition {version})", "By Test Writer", "2024-03-0" + str(1 + i % 9), ""]
    for _ in range(14):
        noun, verb = rng.choice(_NOUNS), rng.choice(_VERBS)
        lines.append(f"Officials in {name} {verb} that the {noun} saw {rng.randint(2, 9000)} visitors "
                     f"during week {rng.randint(1, 52)} of edition {version}, more than the {rng.choice(_NOUNS)} nearby.")
    lines.insert(5, f"The {name} {_NOUNS[i % len(_NOUNS)]} was rebuilt after the great flood.")
    return "\n".join(lines) + "\n"


def question(i: int) -> str:
    return f"What happened to the {keyword(i)} {_NOUNS[i % len(_NOUNS)]}?"


def write_collection(folder: Path, version: int, volatile: range, stable: range) -> None:
    """The collection at `version`: volatile articles rewritten, stable ones as always, nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"a{i:03d}.txt": article(i, version) for i in volatile} | {f"a{i:03d}.txt": article(i) for i in stable}
    for path in folder.glob("a*.txt"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        (folder / name).write_text(text, encoding="utf-8")


# ---- what every state of the index must satisfy ------------------------------------------------------
def engine_over(base: Path, articles: dict[str, str], embedder):
    """An Engine over an index (in `base`/index) of `articles` (file name -> text) written to `base`/articles."""
    from qa.engine import Engine

    (base / "articles").mkdir()
    for name, text in articles.items():
        (base / "articles" / name).write_text(text, encoding="utf-8")
    engine = Engine(base / "index", embedder=embedder, create=True)
    engine.build([base / "articles"])
    return engine


def faiss_ids(index) -> list[int]:
    import faiss

    return sorted(faiss.vector_to_array(index.id_map).tolist())


def check_consistent(index_dir: Path, embedder):
    """Open a fresh Engine and check FAISS ids == SQLite passage ids, every passage has a vector, counts match."""
    from qa.engine import Engine
    from qa.index.generations import GenerationFiles
    from qa.index.vector_index import from_bytes

    engine = Engine(index_dir, embedder=embedder)
    loaded = engine.loaded()
    db = sqlite3.connect(f"file:{index_dir / 'qa.sqlite'}?mode=ro", uri=True)
    try:
        passage_ids = [r[0] for r in db.execute("SELECT id FROM passages ORDER BY id")]
        without_vector = db.execute(
            "SELECT count(*) FROM passages p LEFT JOIN vectors v USING (text_hash) WHERE v.vector IS NULL").fetchone()[0]
        bad_counts = db.execute(
            "SELECT d.doc_id FROM documents d LEFT JOIN passages p USING (doc_id) GROUP BY d.doc_id "
            "HAVING count(p.id) != d.n_passages").fetchall()
        hashes = dict(db.execute("SELECT doc_id, sha256 FROM documents"))
        generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        db.close()
    assert without_vector == 0, "passages without a vector"
    assert not bad_counts, f"n_passages disagrees with the passages of {bad_counts}"
    assert loaded.generation == generation
    assert faiss_ids(loaded.retriever.vectors) == passage_ids, "FAISS ids differ from SQLite passage ids"
    assert loaded.retriever.bm25.live_ids().tolist() == passage_ids, "BM25 ids differ from SQLite passage ids"
    on_disk = GenerationFiles(index_dir).path("vectors", generation)
    assert on_disk.exists() and faiss_ids(from_bytes(on_disk.read_bytes())) == passage_ids
    return engine, hashes


def check_answerable(engine, numbers) -> None:
    """Each article's own question still cites it, and so does a question only a seed article answers."""
    assert any(SEED_ANSWER in e.text for e in engine.ask(SEED_QUESTION, 3).excerpts)
    for i in numbers:
        cited = {e.citation.doc_id for e in engine.ask(question(i), 3).excerpts}
        assert f"a{i:03d}.txt" in cited, f"{question(i)!r} no longer cites a{i:03d}.txt (got {cited})"


def article_numbers(indexed: dict[str, str]) -> list[int]:
    return sorted(int(name[1:4]) for name in indexed if name.startswith("a"))


def collection_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def kept_collection(base: Path) -> tuple[Path, Path, dict[str, str]]:
    """(a collection folder holding one article, an index folder not made yet, the folder's hashes) in `base`."""
    folder, index = base / "articles", base / "index"
    folder.mkdir()
    (folder / "kept.txt").write_text("Kept article\nIt stays as it is.\n")
    return folder, index, collection_hashes(folder)


# ---- driving `qa build` --------------------------------------------------------------------------------
def start_build(source: Path, index: Path, pause: str | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("QA_TEST_PAUSE", None)
    if pause:
        env["QA_TEST_PAUSE"] = f"{pause}:60"
    return subprocess.Popen([sys.executable, "-m", "qa.cli", "build", "--source", str(source), "--index", str(index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)


def run_build(source: Path, index: Path) -> float:
    started = time.monotonic()
    proc = start_build(source, index)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    return time.monotonic() - started


def kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL `proc` after `delay` seconds; False when it had already finished by itself."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    return False


def kill_at(proc: subprocess.Popen, point: str) -> None:
    """Wait until the build announces it has reached `point` (see qa/index/testhooks.py), then SIGKILL it."""
    for line in proc.stderr:
        if f"qa-test: paused at {point}" in line:
            break
    else:
        pytest.fail(f"the build ended without reaching {point} (exit {proc.wait()})")
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def long_article(n: int, sentences: int = 600) -> str:
    """Report `n`: made-up distinct sentences, a few hundred passages, several seconds to index."""
    lines = [f"Annual report {n} of the Marlow canal lock keepers\n"]
    for i in range(sentences):
        lines.append(f"In report {n}, on day {i} the keepers of lock {i % 97} recorded {(i * 7 + n) % 1000} barges "
                     f"carrying {i * 13 % 500} tonnes of grain, timber batch {i * 31 % 1009} and {i % 11} boats. ")
        if i % 8 == 7:
            lines.append("\n")
    return "".join(lines)


# ---- the MCP client, configured as docs/api.md tells users to -----------------------------------------
def documented_mcp_configs() -> list[dict]:
    """The `qa` server entries of the MCP client configs in docs/api.md (the JSON blocks with "mcpServers")."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"mcpServers"' in b]
    return [b["mcpServers"]["qa"] for b in blocks]


def client_for(entry: dict, base_url: str, password: str | None = None):
    """An `mcp` client for a docs/api.md config entry, pointed at the test server's port instead of 7860."""
    import httpx2
    import mcp
    from mcp.client.streamable_http import streamable_http_client

    url = urlsplit(entry["url"])
    assert (url.scheme, url.hostname, url.port, url.path) == ("http", "127.0.0.1", 7860, "/mcp")
    headers = {k: v.replace("change-me", password or "") for k, v in entry.get("headers", {}).items()}
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300))
    return mcp.Client(streamable_http_client(base_url.rstrip("/") + url.path, http_client=http))


# ---- shared by several test modules (no test module imports another) ----------------------------
def qa(*args, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=300)


def seeds_with(base: Path, embedder, articles: dict[str, str]):
    """An Engine over an index (built now, under `base`) of a copy of the seed articles plus `articles` (name -> text)."""
    from qa.engine import Engine

    shutil.copytree(SEEDS, base / "articles")
    for name, text in articles.items():
        (base / "articles" / name).write_text(text, encoding="utf-8")
    engine = Engine(base / "index", embedder=embedder, create=True)
    engine.build([base / "articles"])
    return engine


NOOP = lambda *args, **kwargs: None  # noqa: E731 (a progress callback for the UI outside Gradio)


def gradio_client(url: str, **kwargs):
    """A `gradio_client.Client` of the app at `url` that waits as long as a loaded machine needs. Its own defaults
    (5 s a request, 20 s between two messages of an answer's stream) failed twenty clients at once at load 5."""
    import gradio_client as client

    return client.Client(url, verbose=False, httpx_kwargs={"timeout": HTTP_PATIENCE}, **kwargs)
