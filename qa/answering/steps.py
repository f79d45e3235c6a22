"""The steps of answering one question, each a function of what the steps before it returned (see Engine.ask)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import answer, confidence, excerpts
from .catalog import Catalog
from ..config import RetrievalSettings, Settings
from .question import ParsedQuestion
from ..records import AnswerSentence, Citation, Confidence, Document, Excerpt, Filters, Passage
from .retriever import Candidate, Retriever
from .sentence_pool import Embed, LoadVectors, SentencePool
from ..index.store import Store

Spans = tuple[tuple[int, int], ...]  # document coordinates of the sentences marked in one excerpt


@dataclass(frozen=True)
class Retrieved:
    """What the search found: candidates by passage id, best first, and their passages."""

    candidates: Mapping[int, Candidate]
    passages: tuple[Passage, ...]  # in the candidates' order

    def peak(self, sentence_similarities: Sequence[float]) -> float:
        """The best candidate's dense cosine less the mean of the 5 best (`confidence.peak`). When only one passage
        could be found (a filter allowing one short article, or a one-passage collection), the candidates compared
        are its sentences (`sentence_similarities`, the model's similarity of each to the question): a single
        passage's lead over itself is 0, and a question its article answers fell below the answer bar (issue 23).
        Its lead over other articles' passages is no help either: a short question ("How much will it cost?") can be
        closer to them than to the passage that answers it, where only the answering sentence stands out."""
        if len(self.candidates) == 1:
            return confidence.peak(sentence_similarities)
        return confidence.peak(c.dense for c in self.candidates.values())

    def agreement(self, depth: int) -> confidence.Agreement:
        """Whether the dense and lexical searches agree on the best candidate (`confidence.agreement`), among the
        first `depth` candidates: a fixed number, so the z-scores mean the same however many excerpts were asked for."""
        found = list(self.candidates.values())[:depth]
        return confidence.agreement([c.dense for c in found], [c.lexical for c in found])


@dataclass(frozen=True)
class Selection:
    """The excerpts to show, best first: one article per story, near-copies dropped, overlapping windows merged."""

    passages: tuple[Passage, ...]
    cosines: tuple[float, ...]  # each passage's dense cosine to the question
    windows: tuple[Passage, ...]  # the candidates' windows inside the first excerpts: their sentence vectors are stored


def retrieve(question: ParsedQuestion, retriever: Retriever, catalog: Catalog, store: Store, k: int,
             filters: Filters | None, settings: RetrievalSettings) -> Retrieved:
    """Enough candidates that k survive the removal of near-copies; `filters` applies inside both searches,
    before anything is cut to size."""
    allowed = catalog.allowed(filters)
    found = retriever.retrieve(question.text, question.vector, max(settings.candidates, 4 * k), allowed)
    candidates = {c.passage_id: c for c in found}
    return Retrieved(candidates, tuple(store.passages(candidates)))


def select(found: Retrieved, catalog: Catalog, k: int, settings: Settings) -> Selection:
    """The k best passages, one article per story: the first article of a story group to come back speaks for
    it (its excerpts list the others in `also_in`), its copies' passages are dropped."""
    speaker: dict[str, str] = {}
    for p in found.passages:
        for other in catalog.also_in(p.doc_id):
            speaker.setdefault(other, speaker.get(p.doc_id, p.doc_id))
        speaker.setdefault(p.doc_id, p.doc_id)
    speaking = [p for p in found.passages if speaker[p.doc_id] == p.doc_id]
    chosen = excerpts.distinct(speaking, k, settings.retrieval.dedup_jaccard)
    # the windows a merged excerpt was made of hold its stored sentence vectors: those of the excerpts the answer
    # step and the highlight's tie-break compare with the question
    depth = max(settings.answer.depth, settings.retrieval.highlight_embed_depth)
    windows = tuple(p for p in found.passages if any(excerpts.overlaps(p, c) for c in chosen[:depth]))
    return Selection(tuple(chosen), tuple(found.candidates[p.passage_id].dense for p in chosen), windows)


def sentence_pool(question: ParsedQuestion, chosen: Selection, load: LoadVectors, embed: Embed, depth: int
                  ) -> SentencePool:
    """The sentences of the first `depth` excerpts, which the answer step chooses from and the judge reads."""
    sentences = answer.sentences_of(question, chosen.passages[:depth], chosen.cosines[:depth])
    return SentencePool(sentences, chosen.windows, load, embed, question.vector)


def judge(question: ParsedQuestion, chosen: Selection, found: Retrieved, pool: SentencePool, passages: int,
          settings: RetrievalSettings) -> Confidence:
    """How surely the first excerpts answer, and the level a reader sees (`confidence.judge`)."""
    return confidence.judge(question, [p.text for p in chosen.passages], chosen.cosines,
                            found.peak(pool.similarities_once().tolist()),
                            pool.best_similarity(), passages, settings)


def trust(judged: Confidence, choice: answer.Choice, found: Retrieved, settings: RetrievalSettings) -> Confidence:
    """"high" or "low" for an answered question, from its answer and its search (`confidence.trust`)."""
    return confidence.trust(judged, choice, found.agreement(settings.candidates), settings)


def highlight(question: ParsedQuestion, chosen: Selection, pool: SentencePool | None, depth: int) -> list[Spans]:
    """The sentence that best answers in each excerpt; ties in the first `depth` broken by the model when `pool`
    is given (only for an answer: comparing sentences to break a tie costs a few ms)."""
    return excerpts.highlight_all(question, list(chosen.passages), pool.vectors_once if pool else None, depth)


def cite(chosen: Selection, found: Retrieved, spans: list[Spans], store: Store, catalog: Catalog,
         answer_sentences: Sequence[AnswerSentence] = ()) -> tuple[Excerpt, ...]:
    """The excerpts as a reader gets them: ranked, with their citation, marked sentences and story copies; those
    that hold a sentence of the answer (`answer_sentences`) are the supporting ones, and mark those sentences."""
    docs = store.document_meta(p.doc_id for p in chosen.passages)
    return tuple(
        Excerpt(rank=rank, score=found.candidates[p.passage_id].score, text=p.text,
                citation=citation(docs[p.doc_id], p), highlight=held(p, answer_sentences) or marked,
                passage_id=p.passage_id,
                cosine=found.candidates[p.passage_id].dense,
                also_in=catalog.also_in(p.doc_id), supporting=supports(p, answer_sentences))
        for rank, (p, marked) in enumerate(zip(chosen.passages, spans), start=1)
    )


def held(passage: Passage, answer_sentences: Sequence[AnswerSentence]) -> Spans:
    """The answer's sentences inside `passage` (cut to it), in text order: what its source marks, so a chip and its
    source show the same sentence (the excerpt's own best sentence may be another). A metadata answer holds none."""
    return tuple(sorted((max(s.start, passage.start), min(s.end, passage.end)) for s in answer_sentences
                        if s.metadata is None and s.doc_id == passage.doc_id
                        and s.start < passage.end and passage.start < s.end))


def supports(passage: Passage, answer_sentences: Sequence[AnswerSentence]) -> bool:
    """Whether `passage` holds (overlaps) one of the answer's sentences."""
    return any(s.doc_id == passage.doc_id and s.start < passage.end and passage.start < s.end
               for s in answer_sentences)


def citation(doc: Document, passage: Passage) -> Citation:
    # the source as the reader knows it (its path below the collection folders, i.e. its id): never the
    # server's own file layout, which a citation would otherwise hand to every API client
    return Citation(doc.doc_id, doc.title, doc.date, doc.doc_id, passage.start, passage.end,
                    date_text=doc.date_text, byline=doc.byline, url=doc.url)
