"""`qa eval`: metrics are computed correctly on JSONL, BEIR and SQuAD inputs, and the index is reused."""
import json
import math

import pytest

from qa.evaluation.benchmarks import file_name, load_benchmark
from qa.errors import BenchmarkError
from qa.evaluation.scoring import evaluate, format_table, ndcg, subset

from .support import ROOT, SEEDS, qa

DOCS = {
    "amylase": ("Salivary amylase", "Amylase in saliva breaks starch down into maltose while food is chewed."),
    "volcano": ("Stratovolcanoes", "A stratovolcano is built from layers of hardened lava, ash and pumice."),
    "tides": ("Ocean tides", "Tides are caused by the gravitational pull of the Moon and the Sun on the oceans."),
    "bees": ("Honey bees", "Honey bees communicate the direction of flowers with a waggle dance."),
}


def _beir(folder, qrels):
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as f:
        for doc_id, (title, text) in DOCS.items():
            f.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    queries = {"q1": "Which enzyme in saliva digests starch?", "q2": "How do bees tell each other where flowers are?",
               "q3": "What causes ocean tides?"}
    with (folder / "queries.jsonl").open("w") as f:
        for qid, text in queries.items():
            f.write(json.dumps({"_id": qid, "text": text}) + "\n")
    rows = "".join(f"{q}\t{d}\t1\n" for q, d in qrels)
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + rows)
    return folder


def test_ndcg_values():
    assert ndcg([1, 0, 0], {"a": 1}) == 1.0
    assert ndcg([0, 1], {"a": 1}) == pytest.approx(1 / math.log2(3))
    assert ndcg([0, 0, 0], {"a": 1}) == 0.0
    assert ndcg([1, 0, 1], {"a": 1, "b": 1}) == pytest.approx((1 + 0.5) / (1 + 1 / math.log2(3)))


def test_beir_perfect_and_wrong_rankings(tmp_path, embedder):
    # q3's qrel names the bees abstract, which does not answer it: that question must score 0 at k=1
    bench = _beir(tmp_path / "tiny", [("q1", "amylase"), ("q2", "bees"), ("q3", "bees")])
    report = evaluate([bench], tmp_path / "index", k=1, modes=("hybrid", "dense", "lexical"), embedder=embedder)
    assert report["questions"] == 3
    for mode, metrics in report["modes"].items():
        assert metrics["recall@1"] == pytest.approx(0.667, abs=1e-3), mode
        assert metrics["nDCG@10"] == pytest.approx(0.667, abs=1e-3), mode
        assert metrics["MRR@10"] == pytest.approx(0.667, abs=1e-3), mode
        assert metrics["took_ms_p50"] > 0 and "abstain_recall" not in metrics
    assert "recall@1" in format_table(report)


def test_beir_multiple_relevant_and_index_reuse(tmp_path, embedder):
    bench = _beir(tmp_path / "tiny", [("q1", "amylase"), ("q1", "volcano")])
    messages = []
    evaluate([bench], tmp_path / "index", k=10, embedder=embedder, progress=messages.append)
    assert any("4 added" in m for m in messages)
    messages.clear()
    report = evaluate([bench], tmp_path / "index", k=10, embedder=embedder, progress=messages.append)
    assert any("0 added" in m and "4 unchanged" in m for m in messages)
    metrics = report["modes"]["hybrid"]
    assert metrics["recall@1"] == 0.5  # one of two relevant abstracts can be first
    assert metrics["recall@10"] == 1.0 and metrics["MRR@10"] == 1.0
    assert 0.6 < metrics["nDCG@10"] <= 1.0


def test_squad_highlight_and_abstention(tmp_path, embedder):
    paragraphs = [
        ("Tides", "The Moon orbits the Earth once a month. Its pull raises two bulges of water. "
                  "High tide comes roughly every 12 hours and 25 minutes."),
        ("Bees", "Bees live in colonies. A forager that finds flowers returns to the hive. "
                 "It performs a waggle dance whose angle gives the direction of the food."),
    ]
    qs = [("How often does high tide come?", "12 hours and 25 minutes", 0),
          ("What does the angle of the waggle dance give?", "the direction of the food", 1)]
    data = {"version": "1.1", "data": [{"title": t, "paragraphs": [{"context": c, "qas": [
        {"id": f"q{i}", "question": q, "answers": [{"text": a, "answer_start": c.find(a)}]}
        for i, (q, a, p) in enumerate(qs) if p == n]}]} for n, (t, c) in enumerate(paragraphs)]}
    squad = tmp_path / "tiny-squad.json"
    squad.write_text(json.dumps(data))
    off = tmp_path / "off.jsonl"
    off.write_text(json.dumps({"question": "How do I reset my wifi router?", "answerable": False}) + "\n")
    report = evaluate([squad, off], tmp_path / "index", k=10, embedder=embedder)
    metrics = report["modes"]["hybrid"]
    assert report["questions"] == 3 and report["answerable"] == 2
    assert metrics["recall@1"] == 1.0 and metrics["nDCG@10"] == 1.0
    assert metrics["highlight_has_answer"] == 1.0 and metrics["highlight_questions"] == 2
    assert metrics["abstain_recall"] == 1.0 and metrics["abstain_precision"] == 1.0
    assert metrics["answered_rate_answerable"] == 1.0
    # dialogues: each turn after the first is scored asked with its conversation and alone, in the same run
    turns = [{"question": "What does the angle of the waggle dance give?", "doc_id": "001-000"},
             {"question": "Who performs it?", "doc_id": "001-000"},
             {"question": "Where does it return to?", "doc_id": "001-000"}]
    dialogues = tmp_path / "dialogues.jsonl"
    dialogues.write_text(json.dumps({"dialogue": "bees", "turns": turns}) + "\n")
    report = evaluate([squad, off, dialogues], tmp_path / "index", k=10, embedder=embedder)
    metrics = report["modes"]["hybrid"]
    assert report["questions"] == 3 and metrics["followup_turns"] == 2
    assert metrics["followup_recall@1_with"] == 1.0 and metrics["dialogue_first_turn_recall@1"] == 1.0
    assert 0.0 <= metrics["followup_recall@1_without"] <= 1.0
    with pytest.raises(BenchmarkError, match="turns"):
        (tmp_path / "bad-dialogue.jsonl").write_text(json.dumps({"turns": "x"}) + "\n")
        load_benchmark([squad, tmp_path / "bad-dialogue.jsonl"])


@pytest.mark.model  # `qa eval` builds an index of the seeds and asks with the model
def test_seed_question_set_through_the_cli(tmp_path):
    out = qa("eval", str(ROOT / "eval" / "seeds.jsonl"), str(ROOT / "eval" / "offtopic.jsonl"),
             "--source", str(SEEDS), "--index", str(tmp_path / "index"), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    metrics = report["modes"]["hybrid"]
    assert report["answerable"] == 33 and report["questions"] >= 33 + 60
    # floors below what the engine measures (docs/quality.md); a regression trips them
    assert metrics["recall@1"] >= 0.75 and metrics["recall@5"] >= 0.95
    assert metrics["abstain_recall"] >= 0.8 and metrics["answered_rate_answerable"] >= 0.9


def test_bad_inputs_get_one_line_errors(tmp_path):
    out = qa("eval", str(tmp_path / "missing"), "--index", str(tmp_path / "index"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "not found" in out.stderr
    out = qa("eval", str(ROOT / "eval" / "seeds.jsonl"), "--index", str(tmp_path / "index"))
    assert out.returncode == 2 and "--source" in out.stderr
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    with pytest.raises(BenchmarkError):
        load_benchmark([tmp_path / "bad.jsonl"])
    with pytest.raises(BenchmarkError):
        load_benchmark([tmp_path])  # a folder without corpus.jsonl


def test_subset_and_file_names():
    items = list(range(100))
    assert subset(items, 4) == [0, 25, 50, 75] and subset(items, None) == items
    assert file_name("4983") == "4983.txt"
    assert file_name("a/b") != file_name("a_b") and "/" not in file_name("a/b")
