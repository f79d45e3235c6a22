"""`qa eval`'s reader-facing figures (issue 23): first answer sentence, fact EM, "high" precision, kinds, turns."""
import json

import pytest

from qa.evaluation.answer_quality import judge, normalise, quality, turn_recall
from qa.evaluation.benchmarks import Question, load_benchmark
from qa.evaluation.scoring import evaluate, format_table
from qa.records import Answer, AnswerSentence


def _answer(sentence: str, label: str = "high") -> Answer:
    return Answer("q", True, 1.0, answer=(AnswerSentence("a.txt", 0, len(sentence), sentence),), confidence=label)


def test_squad_normalisation():
    assert normalise("The  Denver Broncos!") == "denver broncos"
    assert normalise("an 18,000-tonne") == normalise("18000tonne")


def test_first_sentence_and_kinds_are_judged():
    q = Question("1", "Who voted against the mine?", {"a.txt": 1}, must="Tomas Reyne, who voted against",
                 fact="Tomas Reyne", kind="negation")
    right = judge(_answer("Councillor Tomas Reyne, who voted  against the project, spoke."), q, False, True)
    wrong = judge(_answer("The council voted 7 to 4 to approve the mine."), q, False, True)
    assert right.right is True and wrong.right is False and right.kind == "negation"
    assert right.fact_hit is False  # no fact is marked on these answers
    squad = Question("2", "When did the war end?", {"p": 1}, answers=("1945",))
    assert judge(_answer("The war ended in 1945."), squad, True, True).kind == "when"


def test_high_precision_coverage_misspelled_and_bylines():
    q = [Question(str(i), t, {"a.txt": 1}, must="Helena Marsh", kind=k, same_as=s) for i, (t, k, s) in enumerate([
        ("Who wrote the article?", "byline", None), ("Who wrote teh article?", "misspelled", "Who wrote the article?"),
        ("Who reported it?", "byline", None)])]
    judged = [judge(_answer("By Helena Marsh"), q[0], False, True), judge(_answer("Other text."), q[1], False, False),
              judge(_answer("Other text."), q[2], False, True)]
    out = quality(judged, ["high", "low", "high"], [True, True, True])
    assert out["first_sentence_right"] == pytest.approx(0.333, abs=1e-3)
    assert out["high_precision"] == 0.5 and out["high_coverage"] == pytest.approx(0.667, abs=1e-3)
    assert out["low_precision"] == 0.0 and out["low_coverage"] == pytest.approx(0.333, abs=1e-3)
    assert out["byline_answered"] == 0.5
    assert out["misspelled_recall@1"] == 0.0 and out["spelled_right_recall@1"] == 1.0
    assert out["by_kind"]["byline"]["n"] == 2 and out["by_kind"]["misspelled"]["answer"] == 0.0
    assert turn_recall(["follow-up", "topic-shift", "follow-up"], [True, False, False]) == {
        "followup_recall@1": 0.5, "followup_recall@1_turns": 2,
        "topic_shift_recall@1": 0.0, "topic_shift_recall@1_turns": 1}


def test_held_out_fields_are_read(tmp_path):
    rows = [{"question": "Who?", "doc_id": "a.txt", "must": "x y", "fact": "x", "kind": "who"},
            {"question": "Hwo?", "doc_id": "a.txt", "must": "x y", "fact": "x", "kind": "misspelled", "same_as": "Who?"}]
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    bench = load_benchmark([path])
    assert [(q.kind, q.fact, q.same_as) for q in bench.questions] == [("who", "x", None), ("misspelled", "x", "Who?")]


@pytest.mark.model  # builds an index of two articles and asks with the model
def test_eval_prints_the_reader_figures_per_kind(tmp_path, embedder):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "mine.txt").write_text(
        "Council approves Copperbeck mine\nBy Helena Marsh\n\nThe Tarrow council voted 7 to 4 on Wednesday to "
        "approve the Copperbeck lithium mine. Councillor Tomas Reyne, who voted against the project, said the "
        "river could not spare the water. The mine is expected to reach full output in 2028.\n")
    (articles / "kettle.txt").write_text(
        "Kettles recalled\nBy Omar Lind\n\nBrightware recalled 40,000 electric kettles on Monday after reports "
        "that their handles could crack. Owners can return a kettle to any shop for a full refund.\n")
    rows = [{"question": "When will the Copperbeck mine reach full output?", "doc_id": "mine.txt",
             "must": "full output in 2028", "fact": "2028", "kind": "when"},
            {"question": "How many kettles did Brightware recall?", "doc_id": "kettle.txt",
             "must": "recalled 40,000 electric kettles", "fact": "40,000", "kind": "how-much"}]
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    turns = [{"question": "Who voted against the Copperbeck mine?", "doc_id": "mine.txt", "kind": "first"},
             {"question": "How many kettles did Brightware recall?", "doc_id": "kettle.txt", "kind": "topic-shift"}]
    dialogues = tmp_path / "dialogues.jsonl"
    dialogues.write_text(json.dumps({"dialogue": "d", "turns": turns}) + "\n")
    report = evaluate([questions, dialogues], tmp_path / "index", source=[articles], embedder=embedder)
    metrics = report["modes"]["hybrid"]
    assert metrics["first_sentence_right"] == 1.0 and metrics["fact_questions"] == 2
    assert metrics["topic_shift_recall@1"] == 1.0 and metrics["topic_shift_recall@1_turns"] == 1
    assert set(metrics["by_kind"]) == {"when", "how-much"}
    table = format_table(report)
    assert "per kind" in table and "how-much" in table and "high_precision" in table
