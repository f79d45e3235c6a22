"""Sentence vectors pooled from the passage's token states at build time, and their lookup at ask time."""
from __future__ import annotations

import numpy as np

from qa.ingest.chunker import Chunker
from qa.config import SETTINGS
from qa.ingest.loader import load, scan
from qa.embed.sentence_vectors import sentence_means
from qa.text import sentence_spans

from .support import SEEDS


def _seed_passages(embedder) -> list[str]:
    chunker = Chunker(SETTINGS.chunk, embedder.wordpieces)
    files, _ = scan([SEEDS])
    return [p.text for f in files for p in chunker.split(load(f, SETTINGS.load))]


def test_each_sentence_vector_is_nearest_its_own_sentence(embedder):
    """Pooled in context, a sentence's vector still stands for that sentence: among the sentences of its
    passage, the one embedded on its own that it is closest to is usually itself (real text, the real model).
    Context moves short lines most ("By Maria Ortiz", "Keep reading:"): measured on the seeds, 52 of 59 are
    nearest themselves and the median cosine to the sentence embedded alone is 0.83."""
    texts = _seed_passages(embedder)
    vectors, sentences = embedder.embed_passages(texts)
    assert np.allclose(vectors, embedder.embed(texts), atol=1e-5)  # the passage vectors are unchanged
    checked = right = 0
    cosines = []
    for text, pooled in zip(texts, sentences):
        spans = sentence_spans(text)
        assert pooled.shape == (len(spans), vectors.shape[1])
        alone = embedder.embed([text[s:e] for s, e in spans])
        for n, row in enumerate(pooled):
            if not row.any() or len(spans) < 2:
                continue
            checked += 1
            right += int(np.argmax(alone @ row) == n)
            cosines.append(float(alone[n] @ row))
    assert checked >= 30
    assert right / checked >= 0.8, (right, checked)
    assert np.median(cosines) >= 0.75


def test_a_sentence_past_the_models_limit_gets_no_vector():
    """Tokens are placed in sentences by their character offsets; a sentence none of whose tokens reached
    the model (the passage was cut) gets a zero row, which the ask-time lookup treats as missing."""
    states = np.arange(4 * 3, dtype=np.float32).reshape(4, 3) + 1
    offsets = np.array([[0, 0], [0, 5], [6, 9], [11, 20]])  # [CLS], then three tokens
    pooled = sentence_means(states, offsets, [(0, 9), (11, 20), (22, 30)])
    first = states[1] + states[2]
    assert np.allclose(pooled[0], first / np.linalg.norm(first))
    assert np.allclose(pooled[1], states[3] / np.linalg.norm(states[3]))
    assert not pooled[2].any()


def test_stored_sentence_vectors_survive_a_reopen(seed_engine):
    """The build stores one vector per sentence of every passage, and a reopened index reads them back."""
    from qa.engine import Engine

    engine = Engine(seed_engine.index_dir, embedder=seed_engine.embedder)
    passages = engine.store.passages()
    stored = engine.store.sentence_vectors([p.passage_id for p in passages])
    assert set(stored) == {p.passage_id for p in passages}
    for p in passages:
        assert stored[p.passage_id].shape == (len(sentence_spans(p.text)), SETTINGS.model.dim)


def test_every_backend_pools_the_same_sentences(embedder):
    """The fp32 backend (sentence-transformers' token states) pools the same sentences as the int8 ONNX model:
    the same passage vectors as its own `embed`, and sentence vectors that agree with the int8 ones."""
    from qa.embed.embedder import Embedder

    fp32 = Embedder(SETTINGS, backend="fp32")
    texts = _seed_passages(embedder)[:6]
    vectors, sentences = fp32.embed_passages(texts)
    assert np.allclose(vectors, fp32.embed(texts), atol=1e-5)
    _, int8 = embedder.embed_passages(texts)
    for ours, theirs in zip(sentences, int8):
        assert ours.shape == theirs.shape
        agree = (ours * theirs).sum(axis=1)[ours.any(axis=1)]
        assert agree.min() >= 0.95, agree.min()
