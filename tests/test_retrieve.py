"""Retrieval: BM25 takes any text as plain words, copies never fill the top k, fusion behaves as documented."""
import pytest

from qa.answering import excerpts
from qa.answering.fusion import normalised_score_fusion, reciprocal_rank_fusion
from qa.index.lexical import BM25
from qa.text import tokenize
from qa.records import Passage

HOSTILE = [
    '"fentanyl precursors" AND (China OR Mexico) -cartel',
    "title:fentanyl^2 OR body:xylazine~ site:example.com",
    "*", "?", "()", "\"", "'", "\\", "%s %d {0} ${HOME} `rm -rf /`", "'; DROP TABLE passages; --",
    "🙂🔥 fentanyl 💊", "фентанил Китай 芬太尼 中国", "\u200b\u200d\ufeff", "a" * 5000,
    "fentanyl " * 20000,  # 180k characters
    "NOT NOT NOT", "+++---", "\t\n\r", "x\x00y",
]


@pytest.fixture(scope="module")
def bm25():
    texts = ["China regulates three fentanyl precursors.", "Xylazine is a veterinary anesthetic.",
             "The Sinaloa cartel launders money.", "Mexico and China discuss precursor chemicals."]
    return BM25.fit(list(range(len(texts))), texts)


@pytest.mark.parametrize("query", HOSTILE)
def test_lexical_side_accepts_any_text(bm25, query):
    ids, scores = bm25.search(query, 3, 0.9, 0.4)
    assert len(ids) == len(scores) <= 3
    assert all(scores[i] >= scores[i + 1] for i in range(len(scores) - 1))


def test_operators_are_plain_words(bm25):
    ids, _ = bm25.search('"fentanyl precursors" AND (China OR Mexico)', 4, 0.9, 0.4)
    assert ids[0] == 0  # the passage with the most query words, quotes and parentheses ignored
    assert tokenize("AND OR NOT") == tokenize("and or not")


def _okapi(texts: dict[int, str], query: str, k1: float, b: float) -> dict[int, float]:
    """Okapi BM25 written out from its definition, over the passages `texts` (id -> text)."""
    import math

    docs = {i: tokenize(t) for i, t in texts.items()}
    avgdl = sum(map(len, docs.values())) / len(docs)
    scores = {}
    for i, words in docs.items():
        score = 0.0
        for term in dict.fromkeys(tokenize(query)):
            df = sum(term in d for d in docs.values())
            tf = words.count(term)
            if tf:
                score += math.log1p((len(docs) - df + 0.5) / (df + 0.5)) * tf * (k1 + 1) / (
                    tf + k1 * (1 - b + b * len(words) / avgdl))
        if score > 0:
            scores[i] = score
    return scores


def test_bm25_scores_are_okapis_over_the_live_passages_after_removes_adds_and_new_parameters():
    """The per-posting weights are made once per change: a remove, an add or other k1/b must remake them."""
    texts = {0: "China regulates three fentanyl precursors.", 1: "Xylazine is a veterinary anesthetic.",
             2: "China and Mexico discuss fentanyl precursor chemicals with China's regulators.",
             3: "Precursors of fentanyl reach Mexico from China.", 4: "The cartel buys precursors."}
    query = "China fentanyl precursors"
    bm25 = BM25.fit(list(texts), list(texts.values()))

    def check(live: dict[int, str], k1: float, b: float) -> None:
        ids, scores = bm25.search(query, 10, k1, b)
        want = _okapi(live, query, k1, b)
        assert dict(zip(ids.tolist(), scores.tolist())) == pytest.approx(want, rel=1e-5)
        assert sorted(want, key=lambda i: -want[i]) == ids.tolist()

    check(texts, 0.9, 0.4)
    check(texts, 1.5, 0.9)
    bm25.remove([0, 3])
    live = {i: t for i, t in texts.items() if i not in (0, 3)}
    check(live, 1.5, 0.9)
    bm25.add([7], ["Fentanyl precursors from China: customs seize a ton."])
    check(live | {7: "Fentanyl precursors from China: customs seize a ton."}, 1.5, 0.9)
    bm25.compact()
    check(live | {7: "Fentanyl precursors from China: customs seize a ton."}, 0.9, 0.4)


def test_idf_function_counts_only_live_passages_after_removes():
    """The idf the highlighter and the judge use is the one a fresh fit of the live passages gives."""
    texts = {0: "China regulates fentanyl precursors.", 1: "China ships fentanyl precursors.",
             2: "China and Mexico talk about fentanyl.", 3: "Fentanyl from China reaches Mexico.",
             4: "Xylazine is a veterinary anesthetic."}
    bm25 = BM25.fit(list(texts), list(texts.values()))
    bm25.remove([0, 1, 2, 3])  # "china" and "fentanyl" are now in one live passage of one, not four of five
    bm25.add([9], ["Xylazine and fentanyl are mixed."])
    live = {i: t for i, t in texts.items() if i not in (0, 1, 2, 3)} | {9: "Xylazine and fentanyl are mixed."}
    got, want = bm25.idf_function(), BM25.fit(list(live), list(live.values())).idf_function()
    for term in ["china", "fentanyl", "xylazine", "precursors", "veterinary", "nowhere"]:
        assert got(term) == pytest.approx(want(term)) and got(term) >= 0, term
    assert got.unseen == pytest.approx(want.unseen)
    _, search_idf = bm25.weights(0.9, 0.4)  # and the same idf search scores with
    assert got("fentanyl") == pytest.approx(float(search_idf[bm25.vocab["fentanyl"]]), rel=1e-6)


def _passage(doc_id, start, text, pid):
    return Passage(doc_id, 0, start, start + len(text), text, pid)


def test_near_duplicates_do_not_fill_the_top_k():
    sentence = "Customs officers in Rotterdam seized 300 kilograms of 4-piperidone hidden in furniture."
    ranked = [
        _passage("a.txt", 0, sentence + " The shipment came from Ningbo.", 1),
        _passage("b.txt", 50, sentence + " The shipment came from Ningbo!", 2),  # the same text in another article
        _passage("a.txt", 10, (sentence + " The shipment came from Ningbo.")[10:] + " More.", 3),  # overlapping window
        _passage("c.txt", 0, "Mexico's navy intercepted a fishing boat carrying methamphetamine.", 4),
    ]
    chosen = excerpts.distinct(ranked, 3, jaccard=0.8)  # what steps.select runs
    assert [(p.doc_id, p.passage_id) for p in chosen] == [("a.txt", 1), ("c.txt", 4)]  # b.txt's copy dropped
    assert chosen[0].end == ranked[2].end  # the overlapping window merged into the better one, not shown apart


def test_engine_returns_one_copy_of_a_repeated_article(tmp_path, fresh_engine):
    body = ("Customs officers in Rotterdam seized 300 kilograms of 4-piperidone, a fentanyl precursor, "
            "hidden in a shipment of garden furniture from Ningbo. ") * 2
    src = tmp_path / "articles"
    src.mkdir()
    for name in ("wire.txt", "reprint.txt", "copy.txt"):
        (src / name).write_text(f"Harbour seizure\n{body}\n", encoding="utf-8")
    (src / "other.txt").write_text("Navy patrol\nMexico's navy intercepted a boat carrying methamphetamine.\n")
    engine = fresh_engine()
    engine.build([src])
    answer = engine.ask("What was seized in Rotterdam?", 4)
    texts = [e.text for e in answer.excerpts]
    assert sum("Rotterdam" in t for t in texts) == 1
    assert any("navy" in t for t in texts)


def test_rrf_rewards_agreement():
    fused = dict(reciprocal_rank_fusion([[1, 2, 3], [3, 2, 4]], k=60))
    assert fused[2] > fused[1] and fused[3] > fused[1] and fused[4] < fused[1]
    assert fused[3] == pytest.approx(1 / 61 + 1 / 63)


def test_normalised_fusion_uses_score_gaps():
    # dense barely prefers 1 over 2; lexical strongly prefers 2: 2 wins. RRF would call it a tie.
    dense = ([1, 2, 3], [0.81, 0.80, 0.20])
    lexical = ([2, 1, 3], [30.0, 5.0, 4.0])
    for method in ("zscore", "minmax"):
        fused = normalised_score_fusion([dense, lexical], method=method)
        assert [doc for doc, _ in fused][0] == 2
    rrf = dict(reciprocal_rank_fusion([dense[0], lexical[0]]))
    assert rrf[1] == pytest.approx(rrf[2])


def test_normalised_fusion_weights_and_missing_ids():
    fused = dict(normalised_score_fusion([([1, 2], [0.9, 0.1]), ([3, 2], [10.0, 1.0])], weights=[1.0, 0.0]))
    assert fused[1] > fused[2]  # lexical weight 0: only dense counts
    assert fused[3] == pytest.approx(min(fused.values()))  # missing from dense: that list's floor
    assert normalised_score_fusion([([], []), ([], [])]) == []
    with pytest.raises(ValueError):
        normalised_score_fusion([([1], [1.0])], weights=[1.0, 2.0])


def test_normalisation_head_is_stable_when_more_is_asked():
    dense = ([1, 2, 3, 4, 5, 6], [0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    lexical = ([2, 1, 5, 3, 6, 4], [9.0, 8.0, 3.0, 2.0, 1.0, 0.5])
    short = normalised_score_fusion([(d[0][:3], d[1][:3]) for d in (dense, lexical)], stats_depth=3)
    long = normalised_score_fusion([dense, lexical], stats_depth=3)
    assert [doc for doc, _ in long][:2] == [doc for doc, _ in short][:2]


def test_retrieval_modes(seed_engine):
    from dataclasses import replace

    from qa.config import SETTINGS
    from qa.answering.retriever import Retriever

    loaded = seed_engine.loaded()
    qvec = seed_engine.embedder.embed_query("xylazines")
    results = {}
    for mode in ("hybrid", "dense", "lexical"):
        settings = replace(SETTINGS.retrieval, mode=mode)
        results[mode] = Retriever(loaded.retriever.vectors, loaded.retriever.bm25, settings).retrieve("xylazines", qvec, 5)
    assert all(c.lexical > 0 for c in results["lexical"])  # lexical alone returns only passages with the word
    assert len(results["dense"]) == 5 and len(results["hybrid"]) >= 5
    with pytest.raises(ValueError):
        Retriever(loaded.retriever.vectors, loaded.retriever.bm25, replace(SETTINGS.retrieval, mode="magic"))


def test_overlapping_windows_merge_once_and_keep_the_list_full():
    text = " ".join(f"Sentence {i} of the harbour report." for i in range(30))
    window = [(0, 200), (150, 350), (300, 500), (600, 800)]
    ranked = [_passage("a.txt", s, text[s:e], pid) for pid, (s, e) in enumerate(window, start=1)]
    ranked.append(_passage("c.txt", 0, "Mexico's navy intercepted a fishing boat carrying methamphetamine.", 9))
    got = excerpts.distinct(ranked, 3, jaccard=0.8)
    assert [(p.doc_id, p.start, p.end) for p in got] == [("a.txt", 0, 350), ("a.txt", 600, 800), ("c.txt", 0, 66)]
    assert got[0].text == text[0:350] and got[0].passage_id == 1  # the better window's id: its scores stay
