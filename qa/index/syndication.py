"""Syndicated and near-duplicate articles: MinHash signatures of word shingles, grouped through LSH (datasketch).

Two articles carry one story when the estimated Jaccard similarity of their word-shingle sets reaches the
threshold (GroupSettings, measured in docs/quality.md). Groups are the connected components of that
relation. The build calls `update` inside its transaction; signatures are kept per article, so only new and
changed articles are hashed.
"""
from __future__ import annotations

import re
from typing import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from . import story_groups
from ..config import GroupSettings
from ..records import Document
from .store import Store

_WORD = re.compile(r"\w+")
_BLOCK = 65_536  # candidate pairs compared at once (memory: 32 MiB of signatures)
SCHEME = "affine32"  # datasketch 2's hashing; stored signatures are its 32-bit values


def shingles(text: str, size: int) -> set[bytes]:
    """The distinct runs of `size` consecutive lower-cased words (the whole text when it is shorter)."""
    words = _WORD.findall(text.lower())
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(max(1, len(words) - size + 1))}


def signature(text: str, settings: GroupSettings) -> np.ndarray:
    """The MinHash signature of `text`'s word shingles (num_perm unsigned 32-bit values)."""
    found = MinHash(num_perm=settings.num_perm, seed=settings.seed, scheme=SCHEME)
    found.update_batch(list(shingles(text, settings.shingle_words)))
    return found.hashvalues.astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity two signatures estimate."""
    return float(np.mean(a == b))


def group(signatures: dict[str, np.ndarray], settings: GroupSettings) -> list[list[str]]:
    """Groups (two or more doc ids, sorted) of articles that carry one story, ordered by first member.

    LSH banding with datasketch's band count and width for the threshold, done over all signatures at once
    in numpy: datasketch's MinHashLSH took 12.8 s for 32,816 articles, and every build regroups them all.
    Articles that share a band's values are candidates; a candidate pair is linked when its signatures
    agree on at least `threshold` of their values.
    """
    ids = sorted(signatures)
    if len(ids) < 2:
        return []
    sig = np.stack([signatures[d] for d in ids]).astype(np.uint32)
    lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.num_perm)
    heads, tails = _candidates(sig, lsh.b, lsh.r)
    agree = np.concatenate([(sig[heads[i:i + _BLOCK]] == sig[tails[i:i + _BLOCK]]).mean(axis=1)
                            for i in range(0, len(heads), _BLOCK)] or [np.zeros(0)])
    linked = agree >= settings.threshold
    graph = sparse.coo_matrix((np.ones(int(linked.sum())), (heads[linked], tails[linked])), shape=(len(ids),) * 2)
    _, labels = connected_components(graph, directed=False)
    members: dict[int, list[str]] = {}
    for doc_id, label in zip(ids, labels.tolist()):
        members.setdefault(label, []).append(doc_id)
    return sorted(m for m in members.values() if len(m) > 1)


def _candidates(sig: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(head, member) pairs of row numbers: each article sharing a band's values with the first article
    (in the band's order) that has them."""
    n = len(sig)
    heads, tails = [], []
    for band in range(bands):
        keys = np.zeros(n, dtype=np.uint64)
        for col in sig[:, band * rows:(band + 1) * rows].astype(np.uint64).T:
            keys = keys * np.uint64(0x100000001B3) + col  # wraps: a collision only adds a candidate to check
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        first = order[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
        heads.append(first[~starts])
        tails.append(order[~starts])
    pairs = np.unique(np.concatenate(heads).astype(np.int64) * n + np.concatenate(tails))
    return pairs // n, pairs % n


def needed(store: Store) -> bool:
    """Whether the index was made before grouping existed (its first build since then groups it)."""
    return not story_groups.has_tables(store)


def update(store: Store, changed: Iterable[Document], settings: GroupSettings) -> None:
    """Inside the build's transaction: hash new and changed articles (and any without a signature, as in an
    index made before grouping), forget removed ones, and store the groups of the collection as it now is."""
    story_groups.ensure_tables(store)
    current = store.document_hashes()
    known = {d: h for d, (h, _) in story_groups.signatures(store).items()}
    new: dict[str, tuple[str, np.ndarray]] = {}
    for doc in changed:
        new[doc.doc_id] = (doc.sha256, signature(doc.text, settings))
    for doc_id, sha in current.items():
        if doc_id not in new and known.get(doc_id) != sha:
            new[doc_id] = (sha, signature(store.document(doc_id).text, settings))
    story_groups.save_signatures(store, set(current), new)
    story_groups.save_groups(store, group({d: s for d, (_, s) in story_groups.signatures(store).items()}, settings))
