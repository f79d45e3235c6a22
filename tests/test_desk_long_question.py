"""A long question is folded to its first lines with "show all"; one cut to MAX_QUESTION_CHARS says so."""
from qa.config import MAX_QUESTION_CHARS
from qa.ui import render
from qa.ui.chat import saved_turns


def turn(question: str, **extra) -> dict:
    return {"question": question, "excerpts": [], "answer": [], "confidence": "none", **extra}


def test_a_short_question_is_shown_whole_without_a_fold():
    html = render.conversation([turn("When did China ban fentanyl?")])
    assert "When did China ban fentanyl?" in html and "show all" not in html and "qa-cut" not in html


def test_a_question_of_many_lines_shows_its_first_lines_and_show_all():
    text = "\n".join(f"line {i} of the question" for i in range(12))
    html = render.conversation([turn(text)])
    head = html.split('<p class="qa-qhead">')[1].split("</p>")[0]
    assert "line 0" in head and "line 2" in head and "line 3" not in head
    assert "show all" in html and "line 11 of the question" in html  # the whole text behind the fold


def test_a_question_cut_to_the_limit_says_so_and_how_long_it_was():
    asked = "word " * 1000  # 5,000 characters
    shown = asked[:MAX_QUESTION_CHARS]
    html = render.conversation([turn(shown, asked_chars=len(asked))])
    assert "show all" in html
    assert f"Only the first {MAX_QUESTION_CHARS:,} characters were searched" in html and "5,000" in html
    pending = render.pending([], asked)
    assert f"the question had {len(asked):,}" in pending and asked not in pending


def test_a_saved_turn_with_a_bad_length_is_dropped():
    assert saved_turns('[{"question": "q", "excerpts": [], "asked_chars": "many"}]') == []
