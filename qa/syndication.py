"""Syndicated and near-duplicate articles: MinHash signatures of word shingles, grouped through LSH (datasketch).

Two articles carry one story when the estimated Jaccard similarity of their word-shingle sets reaches the
threshold (GroupSettings, measured in eval/syndication.py). Groups are the connected components of that
relation. The build calls `update` inside its transaction; signatures are kept per article, so only new and
changed articles are hashed.
"""
from __future__ import annotations

import re
from typing import Iterable

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from . import story_groups
from .config import GroupSettings
from .records import Document
from .store import Store

_WORD = re.compile(r"\w+")
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
    """Groups (two or more doc ids, sorted) of articles that carry one story, ordered by first member."""
    lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.num_perm)
    hashes = {d: LeanMinHash(seed=settings.seed, hashvalues=s, scheme=SCHEME) for d, s in signatures.items()}
    with lsh.insertion_session() as session:
        for doc_id, h in hashes.items():
            session.insert(doc_id, h)
    parent = {d: d for d in signatures}
    for doc_id, h in hashes.items():
        for other in lsh.query(h):  # candidates: confirmed on the signatures, LSH only narrows the search
            if other != doc_id and similarity(signatures[doc_id], signatures[other]) >= settings.threshold:
                parent[_root(parent, other)] = _root(parent, doc_id)
    members: dict[str, list[str]] = {}
    for doc_id in sorted(signatures):
        members.setdefault(_root(parent, doc_id), []).append(doc_id)
    return sorted(m for m in members.values() if len(m) > 1)


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


def _root(parent: dict[str, str], doc_id: str) -> str:
    while parent[doc_id] != doc_id:
        parent[doc_id] = parent[parent[doc_id]]  # path halving keeps the trees flat
        doc_id = parent[doc_id]
    return doc_id
