"""Passages are sentence-aligned windows with exact offsets that fit the model."""

from qa.ingest.chunker import Chunker, count_tokens, sentence_spans
from qa.config import ChunkSettings
from qa.ingest.loader import load, scan

from .support import SEEDS


def seed_docs():
    files, _ = scan([SEEDS])
    return [load(f) for f in files]


def test_offsets_are_exact_and_windows_cover_the_document(embedder):
    chunker = Chunker(ChunkSettings(), embedder.wordpieces)
    for doc in seed_docs():
        passages = chunker.split(doc)
        assert len(passages) > 3
        for i, p in enumerate(passages):
            assert doc.text[p.start:p.end] == p.text
            assert p.position == i
        # every sentence lies inside some passage
        for s, e in sentence_spans(doc.text):
            assert any(p.start <= s and e <= p.end for p in passages)


def test_windows_respect_token_budget_and_overlap(embedder):
    settings = ChunkSettings(max_tokens=64, overlap_tokens=32)
    chunker = Chunker(settings, embedder.wordpieces)
    for doc in seed_docs():
        passages = chunker.split(doc)
        assert all(count_tokens(p.text) <= 64 + 8 for p in passages)  # +8: joins between sentences
        overlaps = [b.start < a.end for a, b in zip(passages, passages[1:])]
        assert any(overlaps)


def test_no_passage_exceeds_the_model_wordpiece_limit(embedder):
    # A window sized in tiktoken tokens can still hold more wordpieces: digits and rare words split finely.
    text = " ".join(f"{i * 7919:x}-{i}ζ" for i in range(3000))
    from qa.records import Document

    doc = Document("odd.txt", text, "0")
    chunker = Chunker(ChunkSettings(max_tokens=400, overlap_tokens=0), embedder.wordpieces)
    passages = chunker.split(doc)
    assert passages
    for p in passages:
        assert doc.text[p.start:p.end] == p.text
        assert len(embedder.tokenizer(p.text)["input_ids"]) <= 256  # with [CLS] and [SEP]


def test_every_line_break_ends_a_sentence():
    text = "By Maria Ortiz\n06 Aug 2024\n- first item\n- second item. And more."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["By Maria Ortiz", "06 Aug 2024", "- first item", "- second item.", "And more."]


def test_sentence_offsets_match_blingfires_own_wrapper():
    """`text.blingfire_sentences` skips blingfire's per-byte Python loop; it must give the same character offsets,
    on the seed articles and on text with accents, curly quotes, CJK and emoji (multi-byte UTF-8)."""
    import blingfire

    from qa.text import blingfire_sentences

    lines = [line for path in sorted(SEEDS.iterdir()) for line in path.read_text(encoding="utf-8").split("\n")
             if line.strip()]
    lines += ["Café au lait. Naïve résumé — “quoted” text! 中文句子。第二句。", "😀 emoji first. Then more 😀. End",
              "α β γ. δ", "One.Two. Three?  Four"]
    assert sum(len(line.encode("utf-8")) != len(line) for line in lines) >= 5
    for line in lines:
        assert blingfire_sentences(line) == [tuple(o) for o in blingfire.text_to_sentences_and_offsets(line)[1]], line
