"""The FAISS index of passage vectors and its file format: exact for small collections, IVF for large ones."""
from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

from ..config import VectorIndexSettings
from ..environment import available_cores

TRAIN_POINTS_PER_LIST = 64  # k-means sample per list: enough for stable centroids, training stays seconds


def wants_ivf(count: int, settings: VectorIndexSettings) -> bool:
    """Whether `count` passages are too many for exact search to answer within budget."""
    return count > settings.exact_max


def is_ivf(index) -> bool:
    import faiss

    return isinstance(faiss.downcast_index(index), faiss.IndexIVF)


def needs_rebuild(index, count: int, settings: VectorIndexSettings) -> bool:
    """True when the kind of index no longer suits `count`, an IVF index has outgrown its training, or the
    index still holds float32 vectors (made before they were kept as float16)."""
    if wants_ivf(count, settings) != is_ivf(index):
        return True
    if stores_float32(index):
        return True
    if is_ivf(index):
        import faiss

        trained_for = (faiss.downcast_index(index).nlist / settings.ivf_lists_per_sqrt) ** 2
        return count > 4 * trained_for  # lists four times as long as planned: retrain
    return False


def stores_float32(index) -> bool:
    """An index made before its vectors were kept as float16: remade when next loaded or built."""
    import faiss

    inner = faiss.downcast_index(index)
    return isinstance(inner, faiss.IndexIVFFlat) or \
        isinstance(faiss.downcast_index(getattr(inner, "index", inner)), faiss.IndexFlat)


def centroids(index) -> np.ndarray | None:
    """An IVF index's list centroids, to remake it as float16 without training again (None if not IVF)."""
    import faiss

    if not is_ivf(index):
        return None
    ivf = faiss.downcast_index(index)
    return ivf.quantizer.reconstruct_n(0, ivf.nlist)


def make_index(ids: np.ndarray, vectors: np.ndarray, dim: int, settings: VectorIndexSettings,
               keep_centroids: np.ndarray | None = None):
    """An index answering inner-product search by passage id, that supports add, remove and reconstruct.

    Vectors are kept as float16 in either kind: a search reads half the memory (exact over 18,435 vectors
    2.0 -> 1.1 ms, IVF at 100,001 2.3 -> 1.4 ms, docs/speed.md), and a cosine moves by less than 0.001.
    `keep_centroids` (an IVF index's, same count) skips training: remaking an older index costs no k-means.
    """
    import faiss

    with _threads(available_cores()):
        if not wants_ivf(len(ids), settings):
            index = faiss.IndexIDMap2(faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16,
                                                                 faiss.METRIC_INNER_PRODUCT))
        else:
            index = _trained_ivf(vectors, dim, settings, keep_centroids)
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    return index


def update(index, remove_ids: np.ndarray, add_ids: np.ndarray, add_vectors: np.ndarray) -> None:
    """Apply one build's change in place: far cheaper than re-adding every vector."""
    with _threads(available_cores()):
        if len(remove_ids):
            index.remove_ids(np.asarray(remove_ids, dtype=np.int64))
        if len(add_ids):
            index.add_with_ids(np.ascontiguousarray(add_vectors, dtype=np.float32), add_ids)


def to_bytes(index) -> bytes:
    import faiss

    return faiss.serialize_index(index).tobytes()


def from_bytes(data: bytes):
    """The index `to_bytes` wrote; ValueError when the bytes are not one."""
    import faiss

    try:
        return faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except RuntimeError as exc:
        raise ValueError(f"not a FAISS index: {str(exc).splitlines()[0]}") from None


def prepare_for_search(index, settings: VectorIndexSettings) -> None:
    """Search with one OpenMP thread, and (IVF) as many lists as the settings say, whatever the file holds.

    One query gains nothing from more threads, and on a busy CPU their barrier costs ~13 ms a search
    (measured at 1k vectors under load 5; 0.04 ms with one thread).
    """
    import faiss

    faiss.omp_set_num_threads(1)
    if is_ivf(index):
        set_probes(index, _probes(faiss.downcast_index(index).nlist, settings))


def search_allowed(index, query: np.ndarray, n: int, allowed: np.ndarray,
                   exact_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The (ids, scores) of the n passages among `allowed` (sorted ids) nearest to `query`, best first.

    A few allowed passages (one article, a narrow date range) are scored directly: exact, and cheaper than a
    search. More go through FAISS with an id selector; an IVF search that finds fewer than it should (the
    allowed passages sit in lists it did not probe) is repeated over every list.
    """
    import faiss

    want = min(n, len(allowed))
    if want == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if len(allowed) <= exact_max:
        scores = index.reconstruct_batch(np.ascontiguousarray(allowed, dtype=np.int64)) @ query
        top = np.argsort(-scores, kind="stable")[:want]
        return np.asarray(allowed, dtype=np.int64)[top], scores[top].astype(np.float32)
    selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
    ivf = faiss.downcast_index(index) if is_ivf(index) else None
    params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe) if ivf else faiss.SearchParameters(sel=selector)
    ids, scores = _search(index, query, want, params)
    if ivf is not None and len(ids) < want:
        ids, scores = _search(index, query, want, faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nlist))
    return ids, scores


def _search(index, query: np.ndarray, n: int, params) -> tuple[np.ndarray, np.ndarray]:
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32), n, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]


def set_probes(index, nprobe: int) -> None:
    """Search `nprobe` lists of an IVF index (the benchmark sweeps this to measure recall)."""
    import faiss

    faiss.downcast_index(index).nprobe = int(nprobe)


def _probes(nlist: int, settings: VectorIndexSettings) -> int:
    return max(1, math.ceil(settings.ivf_probe_share * nlist))


@contextmanager
def _threads(n: int):
    """All cores for building (k-means, adding), then back to what searching uses."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _trained_ivf(vectors: np.ndarray, dim: int, settings: VectorIndexSettings, keep: np.ndarray | None = None):
    import faiss

    # k-means needs at least a point per list; tiny indexes (tests forcing IVF) get few lists
    nlist = max(1, min(int(settings.ivf_lists_per_sqrt * math.sqrt(len(vectors))), len(vectors) // 2))
    quantizer = faiss.IndexFlatIP(dim)
    if keep is not None and len(keep) == nlist:
        quantizer.add(np.ascontiguousarray(keep, dtype=np.float32))  # trained already: IVF's train skips k-means
    # by_residual=False: float16 holds a unit vector to ~1e-3 as it is; residuals would add a term a list
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_fp16,
                                          faiss.METRIC_INNER_PRODUCT, False)
    sample = len(vectors) if len(vectors) <= TRAIN_POINTS_PER_LIST * nlist else TRAIN_POINTS_PER_LIST * nlist
    # a fixed seed: the same vectors always give the same index
    chosen = np.sort(np.random.default_rng(0).choice(len(vectors), size=sample, replace=False))
    index.train(np.ascontiguousarray(vectors[chosen], dtype=np.float32))
    index.nprobe = _probes(nlist, settings)
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct(id) and remove_ids by passage id
    return index
