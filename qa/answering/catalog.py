"""What one generation knows of its articles, in memory: passage ids, dates and story groups by article.

Loaded once with the generation, so that a filter (dates, chosen articles) becomes the set of passage ids
it allows without a query per question.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..index import story_groups
from ..errors import QuestionError, UnknownDocument
from ..records import Filters
from ..index.store import Store

_NO_IDS = np.zeros(0, dtype=np.int64)


@dataclass
class Catalog:
    """Passage ids (sorted), ISO date and story-group companions of every article of one generation."""

    passages: dict[str, np.ndarray] = field(default_factory=dict)
    dates: dict[str, str | None] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # doc id -> the other articles of its story
    # the passages of dated articles ordered by day (YYYY-MM-DD): a date range is one slice of them
    days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="U10"))
    dated: np.ndarray = field(default_factory=lambda: _NO_IDS)

    def __post_init__(self):
        dated = [(d[:10], doc_id) for doc_id, d in self.dates.items() if d and doc_id in self.passages]
        if dated and not len(self.dated):
            dated.sort()
            counts = [len(self.passages[doc_id]) for _, doc_id in dated]
            self.days = np.repeat(np.array([day for day, _ in dated], dtype="U10"), counts)
            self.dated = np.concatenate([self.passages[doc_id] for _, doc_id in dated])

    @classmethod
    def load(cls, store: Store) -> "Catalog":
        """The catalog of the generation `store` sees (a pinned reader)."""
        rows = store.query('SELECT doc_id, id FROM passages ORDER BY doc_id, id')
        ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        docs = [r[0] for r in rows]
        passages: dict[str, np.ndarray] = {}
        start = 0
        for end in range(1, len(docs) + 1):  # rows come grouped by article
            if end == len(docs) or docs[end] != docs[start]:
                passages[docs[start]] = ids[start:end]
                start = end
        dates = dict(store.query("SELECT doc_id, date FROM documents"))
        return cls(passages, dates, story_groups.companions(store))

    def allowed(self, filters: Filters | None) -> np.ndarray | None:
        """The sorted passage ids `filters` allows, or None when it allows every passage.

        An article with no known date is outside any date filter; `until` includes its whole day.
        """
        if not filters:
            return None
        since, until = check_dates(filters.since, filters.until)
        for doc_id in filters.doc_ids:
            if doc_id not in self.dates:
                raise UnknownDocument(f"no document '{doc_id}' in the index")
        if not filters.doc_ids:  # a date range alone: one slice of the passages by day
            lo = np.searchsorted(self.days, since, "left") if since else 0
            hi = np.searchsorted(self.days, until, "right") if until else len(self.days)
            return np.sort(self.dated[lo:hi])
        docs = list(dict.fromkeys(filters.doc_ids))
        if since or until:
            docs = [d for d in docs if _within(self.dates[d], since, until)]
        chosen = [self.passages[d] for d in docs if d in self.passages]
        return np.sort(np.concatenate(chosen)) if chosen else _NO_IDS

    def also_in(self, doc_id: str) -> tuple[str, ...]:
        """The other articles that carry the same story as `doc_id` (empty when it appears once)."""
        return self.groups.get(doc_id, ())

    def story_groups(self) -> list[tuple[str, ...]]:
        """Every group of two or more articles that carry one story, each sorted, ordered by first member."""
        return sorted({tuple(sorted((d, *others))) for d, others in self.groups.items()})


def check_date(value: str | None, name: str) -> str | None:
    """`value` as a YYYY-MM-DD date, None when empty; QuestionError naming `name` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip() if isinstance(value, str) else value
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise QuestionError(f"{name} must be a date YYYY-MM-DD, not {str(value)[:40]!r}") from None


def check_dates(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """`since` and `until` checked (`check_date`) and in order; QuestionError otherwise."""
    since, until = check_date(since, "since"), check_date(until, "until")
    if since and until and since > until:
        raise QuestionError(f"since ({since}) is after until ({until})")
    return since, until


def _within(date: str | None, since: str | None, until: str | None) -> bool:
    if not date:
        return False
    day = date[:10]  # a date may carry a time: until includes the whole of its day
    return (since is None or day >= since) and (until is None or day <= until)
