"""Embedding backends: selection, clean fallback to fp32, and agreement with the fp32 model."""
import json
import logging
import os
import subprocess
import sys

import numpy as np
import pytest

from qa.embed import embedder as embedder_module
from qa.ingest.chunker import Chunker
from qa.config import ChunkSettings
from qa.config import SETTINGS
from qa.embed.embedder import Embedder, resolve_backend
from qa.ingest.loader import load, scan

from .support import ROOT, SEEDS


@pytest.fixture(scope="module")
def fp32():
    return Embedder(SETTINGS, backend="fp32")


@pytest.fixture(scope="module")
def seed_passages(embedder):
    files, _ = scan([SEEDS])
    chunker = Chunker(ChunkSettings(), embedder.wordpieces)
    return [p.text for f in files for p in chunker.split(load(f))][:24]


def test_unknown_backend_falls_back_to_fp32_with_a_warning(fp32):
    with pytest.warns(RuntimeWarning, match="unknown embedding backend 'quantum'"):
        chosen = Embedder(SETTINGS, backend="quantum").backend
    assert chosen == "fp32"


def test_environment_variable_overrides_the_setting(monkeypatch):
    monkeypatch.setenv("QA_BACKEND", "fp32")
    assert resolve_backend("onnx-int8") == "fp32"
    monkeypatch.setenv("QA_BACKEND", "auto")
    assert resolve_backend("fp32") in ("onnx-int8", "bf16", "fp32")


def test_bf16_without_cpu_support_falls_back(monkeypatch):
    monkeypatch.setattr(embedder_module, "cpu_has_bf16", lambda: False)
    with pytest.warns(RuntimeWarning, match="no native bf16"):
        assert resolve_backend("bf16") == "fp32"


def test_failed_onnx_export_falls_back_to_fp32(tmp_path, monkeypatch, seed_passages, fp32):
    if not embedder_module.onnx_available():
        pytest.skip("onnxruntime not installed")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("the cache folder cannot be created here")
    monkeypatch.setenv("QA_CACHE_DIR", str(blocker / "cache"))
    broken = Embedder(SETTINGS, backend="onnx-int8")
    with pytest.warns(RuntimeWarning, match="int8 ONNX backend failed"):
        vectors = broken.embed(seed_passages[:3])
    assert broken.backend == "fp32"
    assert np.allclose(vectors, fp32.embed(seed_passages[:3]), atol=1e-5)


@pytest.mark.parametrize("backend", ["onnx-int8", "bf16"])
def test_backend_vectors_agree_with_fp32(backend, seed_passages, fp32):
    if backend == "bf16" and not embedder_module.cpu_has_bf16():
        pytest.skip("no native bf16 on this CPU")
    if backend == "onnx-int8" and not embedder_module.onnx_available():
        pytest.skip("onnxruntime not installed")
    fast = Embedder(SETTINGS, backend=backend)
    assert fast.backend == backend
    reference = fp32.embed(seed_passages)
    vectors = fast.embed(seed_passages)
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert (vectors * reference).sum(axis=1).min() >= 0.98


def test_queries_are_embedded_by_the_passages_model(embedder, fp32):
    """A question's vector is the one its text would get as a passage (the same model, whichever backend), close
    to fp32's; that int8 questions retrieve as well as fp32 ones is measured by `qa eval` (docs/speed.md)."""
    questions = ["When did China ban fentanyl?", "Who wrote it?", "harbour seizure"]
    for q in questions:  # one at a time: int8 activations are quantised per batch, so padding moves them a little
        assert float(embedder.embed_query(q) @ embedder.embed([q])[0]) >= 0.9999
        assert float(embedder.embed_query(q) @ fp32.embed_query(q)) >= 0.96


def test_onnx_model_is_made_locally_once(embedder, monkeypatch, tmp_path):
    if embedder.backend != "onnx-int8":
        pytest.skip("the int8 backend is not in use")
    from qa.embed.onnx_model import cache_dir, model_files

    first = model_files(embedder_module.model_path())
    assert all(p.exists() and p.parent == cache_dir() for p in first)
    stamp = [p.stat().st_mtime_ns for p in first]
    assert model_files(embedder_module.model_path()) == first
    assert [p.stat().st_mtime_ns for p in first] == stamp  # reused, not exported again


def test_a_process_forbidden_the_model_refuses_to_load_it(monkeypatch):
    """The fast test tier's guard (tests/conftest.py sets QA_FORBID_MODEL=1 there): loading fails, loudly."""
    monkeypatch.setenv("QA_FORBID_MODEL", "1")
    with pytest.raises(embedder_module.ModelForbidden, match="QA_FORBID_MODEL=1"):
        Embedder(SETTINGS).embed(["Volunteers counted 412 otters."])


ROOT_LOGGER_AFTER_AN_EXPORT = """
import json, logging, sys
import qa
from qa.config import SETTINGS
from qa.embed.embedder import Embedder
root = logging.getLogger()
before = (root.level, len(root.handlers), len(root.filters))
embedder = Embedder(SETTINGS, backend="onnx-int8")
embedder.embed(["Volunteers counted 412 otters."])  # exports the model into the empty cache, makes the sessions
logging.getLogger("someone.else").warning("still heard")
print(json.dumps({"qa": qa.__file__, "backend": embedder.backend, "before": before,
                  "after": (root.level, len(root.handlers), len(root.filters))}))
"""


@pytest.mark.model
def test_making_the_onnx_model_leaves_the_root_logger_alone(tmp_path):
    """The export silences onnxruntime's advice, not the process: the root logger's level, handlers and
    filters are as they were, and another library's warning is still heard."""
    if not embedder_module.onnx_available():
        pytest.skip("onnxruntime not installed")
    env = {**os.environ, "QA_CACHE_DIR": str(tmp_path / "cache"), "QA_BACKEND": "onnx-int8"}
    out = subprocess.run([sys.executable, "-c", ROOT_LOGGER_AFTER_AN_EXPORT], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout)
    assert seen["qa"].startswith(str(ROOT)) and seen["backend"] == "onnx-int8"
    assert list(tmp_path.joinpath("cache").glob("*-int8.onnx")), "the model was exported in this run"
    assert seen["after"] == seen["before"] == [logging.WARNING, 0, 0]
    assert "still heard" in out.stderr and "pre-processing" not in out.stderr


def test_wordpieces_match_the_model_tokenizer(embedder):
    text = "Fentanyl-related substances (FRS) were scheduled on 1 May 2019; naïve café."
    assert embedder.wordpieces(text) == len(embedder.tokenizer(text, add_special_tokens=False)["input_ids"])


def test_reading_an_embedder_loads_nothing_and_counting_keeps_nothing():
    """The backend is chosen when the Embedder is made; reading it loads no model. `wordpieces` only counts; the
    build's `wordpieces_kept_for_embedding` keeps the token ids, which embedding then takes from `tokens`."""
    fresh = Embedder(SETTINGS)
    assert fresh.backend in ("onnx-int8", "bf16", "fp32") and not fresh.loaded
    text = "Volunteers counted 412 otters along the estuary."
    assert fresh.wordpieces(text) == fresh.wordpieces_kept_for_embedding(text) > 0
    assert list(fresh.tokens.recent) == [text]
    ids, offsets = fresh.tokens.take_encodings([text])[0]
    assert len(ids) == fresh.wordpieces(text) + 2 and len(offsets) == len(ids)
    assert fresh.tokens.recent == {} and not fresh.loaded


def test_long_texts_are_cut_at_the_model_limit(embedder, fp32):
    long_text = " ".join(["lighthouse keeper counted passing ships"] * 120)
    assert float(embedder.embed([long_text])[0] @ fp32.embed([long_text])[0]) >= 0.98
