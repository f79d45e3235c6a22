"""Filters inside retrieval: dates and chosen articles restrict both searches before the top k is cut."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.errors import QuestionError, UnknownDocument
from qa.index.lexical import BM25
from qa.records import Filters

from .support import PLAIN, SEED_QUESTION, SEEDS, SPUN, seeds_with

# Seed PLAIN is dated 06 Aug 2024, 20:00 (ISO 2024-08-06T20:00); seed SPUN has no date.
HARBOUR = ("Harbour dredging finished ahead of schedule\n2023-05-10\n"
           "The port authority said on Wednesday that dredging of the outer harbour channel finished three weeks "
           "ahead of schedule. The channel is now 16 metres deep, enough for the largest container ships.\n"
           "Work began in 2021 and cost 240 million euros, most of it paid by the regional government.\n")
FENTANYL_2025 = ("Fentanyl seizures fall at the border\n2025-02-14\n"
                 "Seizures of fentanyl at the southern border fell by a third in January, customs officials said, "
                 "the fourth monthly fall in a row. Officials credited tighter controls on precursor chemicals "
                 "shipped from China, which banned the sale of fentanyl in 2019.\n")


@pytest.fixture(scope="module")
def dated(tmp_path_factory, embedder):
    """An engine over the seeds plus two articles with datelines: 2023-05-10 and 2025-02-14."""
    return seeds_with(tmp_path_factory.mktemp("filters"), embedder,
                      {"harbour.txt": HARBOUR, "seizures.txt": FENTANYL_2025})


def docs(answer) -> list[str]:
    return [e.citation.doc_id for e in answer.excerpts]


def test_the_collection_has_the_dates_the_filters_rely_on(dated):
    dates = {d.doc_id: d.date for d, _ in dated.documents()}
    assert dates == {PLAIN: "2024-08-06T20:00", SPUN: None, "harbour.txt": "2023-05-10",
                     "seizures.txt": "2025-02-14"}


def test_a_doc_filter_answers_only_from_that_article_and_still_gives_k(dated):
    unfiltered = docs(dated.ask(SEED_QUESTION, 5))
    assert SPUN in unfiltered and len(set(unfiltered)) > 1
    for doc_id in (PLAIN, SPUN):
        assert docs(dated.ask(SEED_QUESTION, 5, filters=Filters(doc_ids=(doc_id,)))) == [doc_id] * 5
    two = docs(dated.ask(SEED_QUESTION, 8, filters=Filters(doc_ids=("seizures.txt", "harbour.txt"))))
    assert set(two) == {"seizures.txt", "harbour.txt"}  # both articles' passages, and nothing else


def test_date_filters_leave_out_undated_and_out_of_range_articles(dated):
    # k 20: every passage the filter allows comes back, and nothing else
    assert set(docs(dated.ask(SEED_QUESTION, 20, filters=Filters(since="2024-01-01")))) == {PLAIN, "seizures.txt"}
    assert set(docs(dated.ask(SEED_QUESTION, 20, filters=Filters(until="2024-12-31")))) == {PLAIN, "harbour.txt"}
    # until includes the whole day: PLAIN is dated 2024-08-06 at 20:00
    day = dated.ask(SEED_QUESTION, 5, filters=Filters(since="2024-08-06", until="2024-08-06"))
    assert docs(day) == [PLAIN] * 5
    assert set(docs(dated.ask(SEED_QUESTION, 5, filters=Filters(until="2024-08-05")))) == {"harbour.txt"}


def test_a_range_with_no_article_answers_nothing(dated):
    answer = dated.ask(SEED_QUESTION, 5, filters=Filters(since="2030-01-01"))
    assert answer.excerpts == () and not answer.answered and answer.confidence == "none"


def test_the_best_excerpt_of_the_filtered_set_comes_first(dated):
    answer = dated.ask(SEED_QUESTION, 3, filters=Filters(since="2025-01-01"))
    assert docs(answer)[0] == "seizures.txt" and "banned the sale of fentanyl in 2019" in answer.excerpts[0].text


@pytest.mark.parametrize("fields, error, message", [
    (dict(since="2024-13-01"), QuestionError, "since must be a date YYYY-MM-DD, not '2024-13-01'"),
    (dict(until="last week"), QuestionError, "until must be a date YYYY-MM-DD, not 'last week'"),
    (dict(since="2024-1-5"), QuestionError, "since must be a date YYYY-MM-DD, not '2024-1-5'"),
    (dict(since="2025-01-01", until="2024-01-01"), QuestionError, "since (2025-01-01) is after until (2024-01-01)"),
    (dict(doc_ids=("nope.txt",)), UnknownDocument, "no document 'nope.txt' in the index"),
])
def test_bad_filters_are_one_line_errors(dated, fields, error, message):
    with pytest.raises(error) as caught:
        dated.ask(SEED_QUESTION, 5, filters=dated.filters(fields.get("since"), fields.get("until"),
                                                            fields.get("doc_ids", ())))
    assert str(caught.value) == message


def qa(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=300)


def test_cli_filters_for_one_question_and_for_stdin(dated):
    index = str(dated.index_dir)
    out = qa("ask", SEED_QUESTION, "--index", index, "--doc", "harbour.txt", "--doc", "seizures.txt", "--json")
    assert out.returncode == 0, out.stderr
    assert {e["doc_id"] for e in json.loads(out.stdout)["excerpts"]} == {"harbour.txt", "seizures.txt"}
    out = qa("ask", "-", "--index", index, "--since", "2024-08-06", "--until", "2024-08-06", "--json",
             stdin=f"{SEED_QUESTION}\nWho is the NSC spokesman?\n")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2 and all(e["doc_id"] == PLAIN for answer in lines for e in answer["excerpts"])


@pytest.mark.parametrize("args, message", [
    (("--since", "06/08/2024"), "qa: error: --since must be a date YYYY-MM-DD, not '06/08/2024'\n"),
    (("--until", "2024-02-30"), "qa: error: --until must be a date YYYY-MM-DD, not '2024-02-30'\n"),
    (("--doc", "nope.txt"), "qa: error: no document 'nope.txt' in the index\n"),
])
def test_cli_bad_filters_exit_2_with_one_line(dated, args, message):
    out = qa("ask", SEED_QUESTION, "--index", str(dated.index_dir), *args)
    assert out.returncode == 2 and out.stderr == message and out.stdout == ""


# ---- the two searches on their own: real FAISS and BM25 -------------------------------------------------
def test_bm25_scores_only_allowed_passages_and_scores_them_as_without_a_filter():
    texts = [(SEEDS / name).read_text().splitlines() for name in (PLAIN, SPUN)]
    lines = [line for doc in texts for line in doc if line.strip()]
    ids = list(range(100, 100 + len(lines)))
    bm25 = BM25.fit(ids, lines)
    all_ids, all_scores = bm25.search("fentanyl precursors China", 1000, 0.9, 0.4)
    allowed = np.array(ids[::3], dtype=np.int64)
    got_ids, got_scores = bm25.search("fentanyl precursors China", 1000, 0.9, 0.4, allowed)
    expected = {i: s for i, s in zip(all_ids.tolist(), all_scores.tolist()) if i in set(allowed.tolist())}
    assert len(got_ids) == len(expected) > 3
    assert dict(zip(got_ids.tolist(), got_scores.tolist())) == expected
    assert bm25.search("fentanyl", 5, 0.9, 0.4, np.array([1, 2], dtype=np.int64))[0].size == 0  # unknown ids


@pytest.mark.parametrize("count", [200, 3000])  # exact below 30,000 passages; IVF forced for the second
def test_vector_search_among_allowed_ids_finds_the_best_of_them(count):
    from qa.config import VectorIndexSettings
    from qa.index.vector_index import is_ivf, make_index, search_allowed, set_probes

    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(count, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1000, 1000 + count, dtype=np.int64)
    index = make_index(ids, vectors, 32, VectorIndexSettings(exact_max=1000))
    assert is_ivf(index) == (count > 1000)
    if is_ivf(index):
        set_probes(index, 1)  # most allowed passages sit in lists a one-list search never opens
    query = vectors[5]
    for allowed, exact_max in ((ids[::7], 10_000), (ids[::7], 10), (ids[40:45], 10_000)):
        got_ids, got_scores = search_allowed(index, query, 20, allowed, exact_max)
        truth = np.sort(vectors[np.isin(ids, allowed)] @ query)[::-1][:20]
        assert np.isin(got_ids, allowed).all() and len(got_ids) == min(20, len(allowed))
        assert np.allclose(got_scores, truth, atol=1e-3)  # both kinds keep float16 vectors
