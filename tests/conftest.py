"""Shared fixtures: the real model, a real index of the seed articles, the real app; tier markers."""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.config import CLUSTER

from .apprunner import running_app
from .support import CHROMIUM, CHROMIUM_ARGS, HOSTILE_NAME, HOSTILE_TEXT, HTTP_PATIENCE, SEEDS, PatientBrowser

# Ray reads its loopback switch once, when a test module first imports it: set here, before any is collected, every
# test cluster, its driver and the `qa build --ray` processes a test starts listen on 127.0.0.1 only
os.environ[CLUSTER.loopback_env] = "0"

# Fixtures that load the model (directly or by starting the app): tests using them are in the slow tier. A test
# that loads it otherwise (`qa build`, `qa ask` or app.py in a subprocess, an Embedder of its own) is marked
# `model` in its file; the fast tier's guard below fails any test that loads it unmarked.
MODEL_FIXTURES = {"embedder", "seed_engine", "fresh_engine", "app_server"}
# imported only to run the model: in the fast tier no test may import them
MODEL_MODULES = {"torch", "sentence_transformers", "onnxruntime"}


def pytest_collection_modifyitems(config, items):
    """Mark tests by what they load, so `make test-fast` (-m "not model and not browser") skips the slow tiers."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)
    imported = MODEL_MODULES & sys.modules.keys()
    if fast_tier(config) and imported:
        raise pytest.UsageError(f"collecting the tests imported {sorted(imported)}: the fast tier may not")


def fast_tier(config) -> bool:
    """Whether this run leaves out the `model` tests (-m "not model ...")."""
    return re.search(r"\bnot\s+model\b", config.option.markexpr or "") is not None


def pytest_configure(config):
    """In the fast tier, loading the model is an error in this process and in every process a test starts
    (qa.embedder honours QA_FORBID_MODEL), so an unmarked test that loads it fails instead of slowing the tier."""
    if fast_tier(config):
        os.environ["QA_FORBID_MODEL"] = "1"


@pytest.fixture(autouse=True)
def no_model_in_the_fast_tier(request):
    """In the fast tier, a test after which torch, sentence_transformers or onnxruntime is imported fails."""
    if not fast_tier(request.config):
        yield
        return
    before = MODEL_MODULES & sys.modules.keys()
    yield
    loaded = (MODEL_MODULES & sys.modules.keys()) - before
    if loaded:
        pytest.fail(f"{request.node.nodeid} imported {sorted(loaded)} in the fast tier: mark it `model`")


@pytest.fixture(scope="session")
def embedder():
    from qa.config import SETTINGS
    from qa.embed.embedder import Embedder

    return Embedder(SETTINGS)


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
    from qa.config import SETTINGS
    from qa.engine import Engine

    def make(settings=SETTINGS):
        return Engine(tmp_path / "index", settings=settings, embedder=embedder, create=True)

    return make


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`python app.py` on a free loopback port over a copy of seeds/ plus a hostile article; no index at start."""
    base = tmp_path_factory.mktemp("app")
    collection = base / "articles"
    shutil.copytree(SEEDS, collection)
    (collection / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    with running_app(base, ["--source", str(collection), "--index", str(base / "index")]) as (url, _):
        yield SimpleNamespace(url=url, collection=collection, index=base / "index", log=base / "app.log")


@pytest.fixture(scope="module")
def api(app_server):
    """An httpx client of the running app's REST API."""
    httpx = pytest.importorskip("httpx")
    with httpx.Client(base_url=app_server.url.rstrip("/"), timeout=HTTP_PATIENCE) as client:
        yield client


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (which cannot download a browser here), once per module; its pages
    wait as long as a loaded machine needs (support.PatientBrowser)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make browser installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield PatientBrowser(b)
        b.close()


@pytest.fixture(scope="module")
def cluster():
    """A real two-node Ray cluster on this machine (a head and a worker of one CPU each), this process its driver;
    every process stopped at the end of the module. Ray tests skip first when the `cluster` extra is absent."""
    from .ray_cluster import local_cluster

    with local_cluster(2) as made:
        yield made
