"""Shared fixtures: the real model, and a real index of the seed articles."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SPUN = "000_b9860484f37b842b.txt"
PLAIN = "002_b36ef5ac26814476.txt"


@pytest.fixture(scope="session")
def embedder():
    from qa.embedder import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory, embedder):
    """An Engine over an index of a copy of seeds/, built once for the session."""
    from qa.engine import Engine

    base = tmp_path_factory.mktemp("seedindex")
    source = base / "articles"
    shutil.copytree(SEEDS, source)
    engine = Engine(base / "index", embedder=embedder, create=True)
    engine.build([source])
    return engine


@pytest.fixture
def fresh_engine(tmp_path, embedder):
    """A factory for an Engine over an empty index in a temporary folder."""
    from qa.engine import Engine

    def make(settings=None):
        kwargs = {"settings": settings} if settings else {}
        return Engine(tmp_path / "index", embedder=embedder, create=True, **kwargs)

    return make


def seed_questions() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "eval" / "seeds.jsonl").read_text().splitlines() if line.strip()]


# An article whose text is markup: the UI must show it as text and run none of it.
HOSTILE_NAME = "hostile_markup.txt"
HOSTILE_TEXT = (
    '<img src=x onerror="window.__pwned=1"> The zebra lighthouse report\n'
    "The zebra lighthouse keeper counted 4,211 passing ships during 2023, a record for the harbour. "
    "<script>window.__pwned = 2</script> He logged every ship by hand. "
    '<img src=x onerror="window.__pwned=3"> The lighthouse was painted in black and white stripes in 1911.\n'
)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`python app.py` on a free loopback port over a copy of seeds/ plus a hostile article; no index at start."""
    import subprocess
    from types import SimpleNamespace

    from .apprunner import launch, stop, wait_until_up

    base = tmp_path_factory.mktemp("app")
    collection = base / "articles"
    shutil.copytree(SEEDS, collection)
    (collection / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    log = open(base / "app.log", "w")
    proc, url, _ = launch(["--source", str(collection), "--index", str(base / "index")],
                       stdout=log, stderr=subprocess.STDOUT, cwd=base)
    if not wait_until_up(proc, url, timeout=300):
        proc.kill()
        pytest.fail(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
    yield SimpleNamespace(url=url, collection=collection, index=base / "index", log=base / "app.log")
    stop(proc)
    log.close()
