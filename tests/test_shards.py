"""The shard split and the collection-wide BM25 statistics, without Ray or the model: shards score as one index."""
from __future__ import annotations

import numpy as np
import pytest

from qa.cluster.shards import shard_of
from qa.cluster.sharded import merged
from qa.index.lexical import BM25, CollectionStats
from qa.text import tokenize

from .support import SEEDS, article, question

K1, B = 1.2, 0.75
SHARDS = 3


ARTICLES = 60


def seed_paragraphs() -> list[tuple[str, str]]:
    """(doc id, paragraph) for the paragraphs of the seed articles and the lines of ARTICLES made-up ones."""
    found = []
    for path in sorted(SEEDS.glob("*.txt")):
        for part in path.read_text(encoding="utf-8").split("\n\n"):
            if len(tokenize(part)) >= 5:
                found.append((path.name, part))
    for i in range(ARTICLES):
        found += [(f"a{i:03d}.txt", line) for line in article(i).splitlines() if len(tokenize(line)) >= 3]
    return found


def stats_of(shards: list[BM25]) -> CollectionStats:
    """What `write_collection` sums: each shard's live document frequencies, passages and total length."""
    df: dict[str, int] = {}
    passages = total = 0
    for bm25 in shards:
        terms, counts, live, length = bm25.live_terms()
        for term, count in zip(terms, counts.tolist()):
            if count:
                df[term] = df.get(term, 0) + count
        passages, total = passages + live, total + length
    return CollectionStats(passages, total, df)


@pytest.fixture(scope="module")
def indexes():
    """One BM25 of every paragraph, and the same paragraphs split by article into SHARDS, some removed in both."""
    paragraphs = seed_paragraphs()
    single = BM25.fit(list(range(len(paragraphs))), [t for _, t in paragraphs])
    shards = [BM25() for _ in range(SHARDS)]
    for s, shard in enumerate(shards):
        mine = [i for i, (doc, _) in enumerate(paragraphs) if shard_of(doc, SHARDS) == s]
        shard.add(mine, [paragraphs[i][1] for i in mine])
    removed = list(range(0, len(paragraphs), 7))  # removed passages count in neither idf nor the mean length
    single.remove(removed)
    for shard in shards:
        shard.remove(removed)
    stats = stats_of(shards)
    for shard in shards:
        shard.use_collection(stats)
    return paragraphs, single, shards


QUERIES = ["When did China ban the sale of fentanyl?", "visitors during week 12", question(3), question(41),
           "which museum was rebuilt after the great flood?"]


def test_every_article_has_one_stable_shard():
    paragraphs = seed_paragraphs()
    docs = sorted({d for d, _ in paragraphs})
    assert len(docs) > SHARDS
    split = [shard_of(d, SHARDS) for d in docs]
    assert set(split) == set(range(SHARDS)), "the seeds land in every shard"
    assert split == [shard_of(d, SHARDS) for d in docs]  # the same on every call
    # not Python's hash (salted per process): a fixed value for a fixed name
    assert shard_of("000_b9860484f37b842b.txt", 1000) == shard_of("000_b9860484f37b842b.txt", 1000)
    assert shard_of("a.txt", 7) == int.from_bytes(__import__("hashlib").blake2b(b"a.txt", digest_size=8).digest(),
                                                   "big") % 7


@pytest.mark.parametrize("query", QUERIES)
def test_sharded_bm25_scores_equal_the_single_index(indexes, query):
    _, single, shards = indexes
    depth = 30
    ids, scores = single.search(query, depth, K1, B)
    assert len(ids) > 0
    merged_ids, merged_scores = merged([shard.search(query, depth, K1, B) for shard in shards], depth)
    # the same scores to the bit, hence the same top list up to which of exactly tied passages make the cut
    assert np.array_equal(merged_scores, scores)
    above = scores > scores[-1]
    assert dict(zip(merged_ids[above].tolist(), merged_scores[above].tolist())) == \
        dict(zip(ids[above].tolist(), scores[above].tolist()))


def test_per_shard_statistics_would_score_differently(indexes):
    """Why the collection's statistics are kept: a shard's own idf and mean length give other scores."""
    paragraphs, single, shards = indexes
    own = BM25()
    mine = [i for i, (doc, _) in enumerate(paragraphs) if shard_of(doc, SHARDS) == 0]
    own.add(mine, [paragraphs[i][1] for i in mine])
    own.remove(range(0, len(paragraphs), 7))
    query = QUERIES[0]
    ids, scores = own.search(query, 10, K1, B)
    whole = dict(zip(*[a.tolist() for a in single.search(query, len(paragraphs), K1, B)]))
    assert any(abs(whole[i] - s) > 1e-3 for i, s in zip(ids.tolist(), scores.tolist()))


def test_collection_idf_is_the_single_index_idf(indexes):
    _, single, shards = indexes
    whole, sharded = single.idf_function(), shards[1].idf_function()
    for term in {t for q in QUERIES for t in tokenize(q)} | {"zzzunseen"}:
        assert sharded(term) == whole(term)
    assert sharded.unseen == whole.unseen


def test_filters_apply_before_the_cut(indexes):
    """Each shard limits its search to the allowed passages before cutting to depth: the merged list is the
    single index's filtered list."""
    paragraphs, single, shards = indexes
    allowed = np.array([i for i, (doc, _) in enumerate(paragraphs) if doc < "a030"], dtype=np.int64)
    query = QUERIES[1]
    ids, scores = single.search(query, 5, K1, B, allowed)
    merged_ids, merged_scores = merged([shard.search(query, 5, K1, B, allowed) for shard in shards], 5)
    assert np.array_equal(merged_scores, scores) and set(merged_ids.tolist()) <= set(allowed.tolist())
