"""The model's wordpieces: a named cache of token ids kept from counting to embedding, and batch padding."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np

from .. import timing


class TokenCache:
    """Tokenises with the model's Rust tokenizer; keeps what `count_and_keep` computed until `take_encodings` takes it.

    A build's chunker counts the wordpieces of every passage it cuts with `count_and_keep`, and the build embeds the
    same passages next: the token ids (and character offsets) are kept, so each passage is tokenised once per build,
    not twice. At most `limit` texts are kept (the cache is emptied when full); `take_encodings` pops what it uses.
    `count` counts and keeps nothing.
    """

    def __init__(self, model_path: Callable[[], str], limit: int):
        self._model_path = model_path
        self.limit = limit
        self.recent: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @cached_property
    def tokenizer(self):
        """The Rust tokenizer alone: no transformers import, a fraction of the per-call cost."""
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(Path(self._model_path()) / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        return tok

    @property
    def loaded(self) -> bool:
        """Whether the tokenizer has been loaded."""
        return "tokenizer" in vars(self)

    def count(self, text: str) -> int:
        """How many of the model's wordpieces `text` has, not counting [CLS] and [SEP]."""
        with timing.stage("tokenise (model wordpieces)"):
            return len(self.tokenizer.encode(text).ids) - 2

    def count_and_keep(self, text: str) -> int:
        """`count`, and the token ids and offsets kept until `take_encodings` asks for `text`."""
        with timing.stage("tokenise (model wordpieces)"):
            encoding = self.tokenizer.encode(text)
        if len(self.recent) >= self.limit:
            self.recent.clear()
        # ids and character offsets, ~1.5 kB a passage (numpy, not lists); the offsets place each token in a sentence
        self.recent[text] = (np.asarray(encoding.ids, dtype=np.int32), np.asarray(encoding.offsets, dtype=np.int32))
        ids = encoding.ids
        return len(ids) - 2

    def take_encodings(self, texts: list[str]) -> list[tuple]:
        """(token ids, character offsets) of each text, [CLS] and [SEP] included (their offsets are (0, 0)): those
        kept by `count_and_keep` (removed from the cache), the rest tokenised in one batch call."""
        recent = self.recent
        known = [recent.pop(t, None) for t in texts]  # pop: a build's texts are embedded once
        todo = [t for t, k in zip(texts, known) if k is None]
        with timing.stage("tokenise (model wordpieces)"):
            fresh = iter([(e.ids, e.offsets) for e in self.tokenizer.encode_batch(todo)] if todo else ())
        return [k if k is not None else next(fresh) for k in known]

    def forget(self) -> None:
        """Drop the token ids kept by `count_and_keep` (a benchmark's raw run tokenises for itself)."""
        self.recent.clear()


def padded(rows: list) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask of one batch, zero-padded to its longest row."""
    width = max(len(r) for r in rows)
    tokens = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for n, r in enumerate(rows):
        tokens[n, :len(r)] = r
        mask[n, :len(r)] = 1
    return tokens, mask


def truncate(ids, limit: int):
    """Keep [CLS], the first limit-2 wordpieces and the closing [SEP], as the model's tokenizer does at its limit."""
    return ids if len(ids) <= limit else [*ids[:limit - 1], ids[-1]]
