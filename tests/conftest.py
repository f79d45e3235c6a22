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
