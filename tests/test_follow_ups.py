"""Follow-up questions: resolution on real questions (no model), and the engine answering them on the seeds."""
from __future__ import annotations

import json

import pytest

from qa.errors import QuestionError
from qa.answering.followup import depends_on_previous, focus_of, resolve

from .support import PLAIN, ROOT, SPUN, seeds_with

ANESTHETIC = "Which veterinary anesthetic did China move to regulate?"


def _seed_questions(name: str) -> list[str]:
    return [json.loads(line)["question"] for line in (ROOT / "eval" / name).read_text().splitlines() if line.strip()]


def test_every_seed_question_stands_alone():
    standalone = _seed_questions("seeds.jsonl")
    assert len(standalone) == 33
    assert [q for q in standalone if depends_on_previous(q)] == []
    # so a conversation never changes what they search for
    assert all(resolve(q, ["When was the counternarcotics working group launched?"]) == q for q in standalone)


@pytest.mark.parametrize("question", ["When?", "Who said that?", "And what did they agree to?", "Why?",
                                      "What about Mexico?", "How much did they weigh?", "Who proclaimed the embargo?",
                                      "What did he say?", "What is banned?", "Who resigned?"])
def test_pronouns_and_ellipsis_depend_on_the_previous_turn(question):
    assert depends_on_previous(question)


def test_one_word_of_its_own_stands_alone_only_when_it_is_a_name():
    assert not depends_on_previous("Who is Beyonce?")
    assert resolve("Who is Beyonce?", ["What fines do businesses face?"]) == "Who is Beyonce?"
    assert resolve("What is banned?", ["What fines do businesses face?"]) == "What is banned? fines businesses face"


def test_a_question_naming_its_own_subject_is_searched_as_typed():
    # issue 23: asked after two questions about lithium output, it was searched with their words
    earlier = ["How much lithium carbonate will Greywater Ridge produce?", "When will it reach full output?"]
    assert resolve("Who voted against the lithium mine?", earlier) == "Who voted against the lithium mine?"
    # a definite description that does not repeat the earlier turn's words still points back to it
    assert depends_on_previous("Who proclaimed the embargo?", "When did the 1973 oil crisis begin?")
    assert not depends_on_previous("Who voted against the lithium mine?", earlier[0])


def test_a_follow_up_carries_the_terms_of_the_previous_question():
    got = resolve("Who said that?", ["How many Americans die each year from fentanyl?"])
    assert got.startswith("Who said that?")  # the kind of answer asked for ("who") stays first
    assert all(word in got for word in ("Americans", "die", "fentanyl"))
    assert resolve("Who said that?", []) == "Who said that?"


def test_a_chain_of_three_keeps_the_first_subject():
    chain = ["When did China ban the sale of fentanyl?", "Who announced it?"]
    third = resolve("Why?", chain)
    assert all(word in third for word in ("China", "ban", "fentanyl", "announced"))
    assert third.startswith("Why?")


def test_a_new_question_in_the_middle_starts_afresh():
    chain = ["When did China ban the sale of fentanyl?", "Who is the NSC spokesman who commented on the initiative?"]
    got = resolve("What did he say?", chain)
    assert "NSC" in got and "spokesman" in got and "ban" not in got


def test_ellipsis_keeps_the_earlier_question_and_swaps_the_name():
    got = resolve("What about Mexico?", ["When did China ban the sale of fentanyl?"])
    assert got.startswith("When did") and "Mexico" in got and "China" not in got
    got = resolve("And in 2023?", ["How many Americans die each year from fentanyl?"])
    assert got.startswith("How many") and "2023" in got


def test_dialogue_set_has_enough_follow_ups():
    rows = [json.loads(x) for x in (ROOT / "eval" / "dialogues.jsonl").read_text().splitlines() if x.strip()]
    assert len(rows) >= 25 and all(2 <= len(r["turns"]) <= 3 for r in rows)
    sources = {("seed" if t["doc_id"].endswith(".txt") else "squad") for r in rows for t in r["turns"]}
    assert sources == {"seed", "squad"}


# ---- through the engine, on the seed articles --------------------------------------------------------
def test_a_follow_up_is_answered_with_the_conversation(seed_engine):
    alone = seed_engine.ask("When?", 3)
    answer = seed_engine.ask("When?", 3, previous=[ANESTHETIC])
    assert answer.question == "When?" and answer.searched_for != "When?" and "anesthetic" in answer.searched_for
    assert answer.to_json()["searched_for"] == answer.searched_for
    assert "July 15" in answer.excerpts[0].text and answer.answer and "July 15" in answer.answer[0].text
    assert not any("July 15" in s.text for s in alone.answer)  # alone, "When?" says nothing


def test_who_said_that_finds_the_speaker(seed_engine):
    previous = ["What was the US blamed for by officials in Beijing?"]
    answer = seed_engine.ask("Who said that?", 5, previous=previous)
    assert answer.excerpts[0].citation.doc_id == SPUN
    assert any("Wang Wenbin" in s.text for s in answer.answer) or "Wang Wenbin" in answer.excerpts[0].text


def test_and_what_about_x_is_answered_about_x(seed_engine):
    # issue 23: searched with the earlier turns, it repeated the previous answer; Mexico was only in source [2]
    assert focus_of("And what about Mexico?") == "Mexico" and focus_of("Who is it?") == ""
    answer = seed_engine.ask("And what about Mexico?", 5, previous=[ANESTHETIC, "When?"])
    assert answer.answer and "Mexico" in answer.answer[0].text


def test_three_turns_on_the_seizure(seed_engine):
    turns = ["How many fentanyl pills were seized at the border on July 1?", "How much did they weigh?"]
    answer = seed_engine.ask("Where was it carried out?", 3, previous=turns)
    assert answer.excerpts[0].citation.doc_id == PLAIN
    assert "southwestern border" in answer.excerpts[0].text


@pytest.mark.parametrize("previous", ["When?", [1, 2], [None], {"q": "x"}])
def test_previous_must_be_a_list_of_texts(seed_engine, previous):
    with pytest.raises(QuestionError, match="previous"):
        seed_engine.ask("Who said that?", 3, previous=previous)


def test_blank_earlier_questions_are_skipped(seed_engine):
    answer = seed_engine.ask(ANESTHETIC, 3, previous=["", "   "])
    assert answer.searched_for == ANESTHETIC


@pytest.fixture(scope="module")
def drought(tmp_path_factory, embedder):
    """An engine over the seeds plus one of the development articles (eval/dev/articles, never held out)."""
    article = ROOT / "eval" / "dev" / "articles" / "reservoir_drought.txt"
    return seeds_with(tmp_path_factory.mktemp("drought"), embedder, {article.name: article.read_text(encoding="utf-8")})


def test_a_follow_up_with_words_of_its_own_finds_its_own_passage(drought):
    # "he" leans on the chair question, but "blame" and "shortfall" say which passage: the earlier turn's five
    # words must not pull the search back to the passage that named the chair
    got = drought.ask("What did he blame for the shortfall?", 5, previous=["Who chairs the Calder Valley water board?"])
    assert "chairs Calder Valley water board" in got.searched_for
    assert "a second dry summer in a row" in got.excerpts[0].text, got.excerpts[0].text
