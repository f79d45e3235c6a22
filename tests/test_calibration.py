"""The "high" fit (`python -m eval.calibrate_confidence`) on real answers: read from them, deterministic, written back."""
from __future__ import annotations

import runpy

import numpy as np
import pytest

from eval import calibrate_confidence as calibrate
from qa.config import SETTINGS
from qa.evaluation.benchmarks import load_jsonl

from .support import ROOT

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def rows(seed_engine):
    """The calibration rows of the seed questions with a gold phrase, gathered from the real engine."""
    questions = [q for q in load_jsonl(ROOT / "eval" / "seeds.jsonl") if q.must]
    return questions, calibrate.gather(seed_engine, questions)


def test_rows_are_what_the_answers_recorded(seed_engine, rows):
    questions, gathered = rows
    assert len(gathered) == len(questions) >= 10
    for q, row in list(zip(questions, gathered))[:5]:
        answer = seed_engine.ask(q.text, SETTINGS.retrieval.k)
        detail = answer.confidence_detail
        assert {n: row[n] for n in detail.trust_features()} == detail.trust_features()
        assert row["label"] == answer.confidence and row["answered"] == answer.answered
        held = bool(answer.answer) and q.must.lower() in " ".join(answer.answer[0].text.split()).lower()
        assert row["right"] == held
    assert any(r["right"] for r in gathered) and any(not r["right"] for r in gathered), "both kinds to fit on"


def test_the_fit_is_deterministic_and_its_bar_is_the_lowest_that_holds_the_precision(rows):
    _, gathered = rows
    answered = [r for r in gathered if r["answered"]]
    names = list(dict(SETTINGS.retrieval.high_weights))
    first, again = calibrate.fit(answered, names), calibrate.fit(answered, names)
    assert np.array_equal(first[0], again[0]) and first[1] == again[1]
    odds = calibrate.odds_of(answered, names, *first)
    right = np.array([r["right"] for r in answered])
    for precision in (0.6, 0.8, 0.9):
        t = calibrate.bar(odds, right, precision)
        assert right[odds >= t].mean() >= precision
        lower = odds[odds < t]
        if len(lower):  # one more answer at "high" would break the precision
            assert right[odds >= lower.max()].mean() < precision


def test_the_written_weights_are_the_ones_the_engine_reads(rows, tmp_path):
    _, gathered = rows
    answered = [r for r in gathered if r["answered"]]
    names = list(dict(SETTINGS.retrieval.high_weights))
    assert names == [n for n in answered[0] if n not in ("q", "label", "answered", "right")], "every feature, in order"
    weights, intercept = calibrate.fit(answered, names)
    written = tmp_path / "fitted.py"
    calibrate.write(names, np.round(weights, 4), round(intercept, 4), 1.25, "a note; two lines", written)
    read = runpy.run_path(str(written))
    assert [n for n, _ in read["HIGH_WEIGHTS"]] == names
    assert [w for _, w in read["HIGH_WEIGHTS"]] == pytest.approx(np.round(weights, 4).tolist())
    assert read["HIGH_INTERCEPT"] == pytest.approx(round(intercept, 4)) and read["HIGH_ODDS"] == 1.25


def test_near_domain_questions_are_one_a_paragraph_and_outside_the_reported_and_calibration_ones():
    from eval import near_domain
    from .ray_cluster import SQUAD

    if not SQUAD.is_file():
        pytest.skip(f"the SQuAD file is not here: {SQUAD}")
    taken = {q.qid for q in calibrate.calibration_split(SQUAD, 1500)}
    chosen = near_domain.split(SQUAD, 40, taken)
    paragraphs = [next(iter(q.relevant)) for q in chosen]
    assert len(chosen) == 40 and len(set(paragraphs)) == 40 and not taken & {q.qid for q in chosen}
    assert near_domain.split(SQUAD, 40, taken) == chosen  # the same questions each run


def test_the_copy_without_the_questions_paragraphs_lacks_them_and_the_index_keeps_them(tmp_path, embedder):
    from eval import near_domain
    from qa.engine import Engine
    from qa.evaluation.benchmarks import Question, write_corpus

    index = tmp_path / "index"
    corpus = {"Lakes-0": "Lake Orla is the deepest lake in the valley. It is 212 metres deep.",
              "Lakes-1": "Lake Brenn freezes every winter. Skaters cross it in January."}
    write_corpus(corpus, index / "corpus")
    Engine(index, embedder=embedder, create=True).build([index / "corpus"])
    asked = [Question("q1", "How deep is Lake Orla?", {"Lakes-0": 1}, answers=("212 metres",))]
    copy = near_domain.index_without(index, asked, tmp_path / "near", [])
    assert [d.doc_id for d, _ in copy.documents()] == ["Lakes-1.txt"]
    assert sorted(d.doc_id for d, _ in Engine(index, embedder=embedder).documents()) == ["Lakes-0.txt", "Lakes-1.txt"]
    row = calibrate.gather(copy, asked)[0]
    assert not row["right"]  # the answer went with its paragraph
