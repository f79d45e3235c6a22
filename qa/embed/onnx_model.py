"""Make and run an int8 ONNX copy of the packaged model: exported locally from its weights, never downloaded."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import tempfile
import threading
import warnings
from concurrent.futures import Executor
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .. import timing
from ..environment import cache_dir

EXPORT_VERSION = "4"  # bump when the export recipe changes, so cached files are remade
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# onnxruntime's SkipLayerNormalization kernel (residual add + layer norm in one op) runs about 4x slower than an
# Add and a LayerNormalization on these shapes (2.3 vs 9.3 ms on [32, 128, 384]): neither the export's optimiser
# nor the session may fuse them (docs/speed.md)
UNFUSED = ["SkipLayerNormFusion"]


def model_files(model_dir: str) -> tuple[Path, Path]:
    """The (fp32, int8) ONNX files for the model in `model_dir`, exported and quantised on first use."""
    from importlib.metadata import version

    from filelock import FileLock

    weights = Path(model_dir) / "model.safetensors"
    # package versions from their metadata: importing torch would cost seconds of start-up for nothing
    stamp = f"{EXPORT_VERSION}|{weights.stat().st_size}|{_file_digest(weights)}|{version('torch')}|{version('onnxruntime')}"
    name = f"minilm-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}"
    fp32, int8 = cache_dir() / f"{name}-fp32.onnx", cache_dir() / f"{name}-int8.onnx"
    if fp32.exists() and int8.exists():
        return fp32, int8
    fp32.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir() / f"{name}.lock")):  # two processes starting at once export once
        if not (fp32.exists() and int8.exists()):
            _export(model_dir, fp32, int8)
    return fp32, int8


def _file_digest(path: Path) -> str:
    """A cheap fingerprint of the weights: their first and last MiB (the size is in the stamp too)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 20))
        fh.seek(max(0, path.stat().st_size - (1 << 20)))
        h.update(fh.read(1 << 20))
    return h.hexdigest()


def _export(model_dir: str, fp32: Path, int8: Path) -> None:
    """fp32 export with the TorchScript exporter, then per-channel dynamic int8 quantisation of the weights."""
    with warnings.catch_warnings(), _onnxruntime_logs_quiet():  # the exporters' advice is for their developers
        warnings.simplefilter("ignore")
        _export_quiet(model_dir, fp32, int8)


@contextlib.contextmanager
def _onnxruntime_logs_quiet():
    """While it lasts, onnxruntime's Python log records below ERROR are dropped, and nothing else's.

    Its optimiser logs on the "onnxruntime" logger; its quantiser calls `logging.warning` on the root logger
    ("Please consider to run pre-processing"), which also installs a stderr handler on the root logger when it
    has none. So: the "onnxruntime" logger's level is raised, a filter on the root logger drops the records
    made in onnxruntime's files, and a root logger without handlers gets Python's last-resort handler (where
    its records go anyway), so that `logging.warning` installs none. All are undone after; the root logger's
    level is never touched.
    """
    import onnxruntime

    package = os.path.dirname(onnxruntime.__file__) + os.sep
    root, ours = logging.getLogger(), logging.getLogger("onnxruntime")
    level = ours.level

    def keep(record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not record.pathname.startswith(package)

    stand_in = (logging.lastResort or logging.NullHandler()) if not root.handlers else None
    ours.setLevel(logging.ERROR)
    root.addFilter(keep)
    if stand_in:
        root.addHandler(stand_in)
    try:
        yield
    finally:
        if stand_in:
            root.removeHandler(stand_in)
        root.removeFilter(keep)
        ours.setLevel(level)


def _export_quiet(model_dir: str, fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    with tempfile.TemporaryDirectory(dir=fp32.parent) as work:
        plain, eager, fused, small = (Path(work) / name for name in ("fp32.onnx", "eager.onnx", "fused.onnx", "int8.onnx"))
        _to_onnx(model_dir, plain, "sdpa")
        # the build's model: the attention written out op by op, so that onnxruntime's BERT optimiser can fuse
        # it (and the embeddings, GELU) into single kernels before the weights are quantised
        _to_onnx(model_dir, eager, "eager")
        shape = json.loads((Path(model_dir) / "config.json").read_text())
        fusions = FusionOptions("bert")
        fusions.enable_skip_layer_norm = False  # see UNFUSED
        optimize_model(str(eager), model_type="bert", num_heads=shape["num_attention_heads"],
                       hidden_size=shape["hidden_size"], optimization_options=fusions).save_model_to_file(str(fused))
        # MatMul and the fused attention's weights; the word-embedding table stays fp32 (quantising its Gather
        # too cost 0.005 SciFact nDCG@10 for no speed), see docs/speed.md
        quantize_dynamic(str(fused), str(small), per_channel=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": 1})  # fused ops have no inferred output type
        os.replace(plain, fp32)  # atomic: readers see no file or a whole one
        os.replace(small, int8)


def _to_onnx(model_dir: str, path: Path, attention: str) -> None:
    """The transformer of the packaged model as ONNX (TorchScript exporter), its attention as `attention`."""
    import torch
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()
    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation=attention).eval()

    class Hidden(torch.nn.Module):
        """The transformer alone; pooling and normalising are done in numpy."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    dummy = torch.ones((2, 8), dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            Hidden(model), (dummy, dummy, torch.zeros_like(dummy)), str(path), input_names=list(_INPUTS),
            output_names=["hidden"], opset_version=17, dynamo=False,
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")},
        )


class OnnxEncoder:
    """Runs the int8 model with onnxruntime; mean pooling and L2 normalisation as sentence-transformers does."""

    def __init__(self, model_file: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # threads sleep rather than spin while they wait: on a CPU shared with other work, spinning threads
        # take the cores the others need (and each other's); measured faster under load (docs/speed.md)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"],
                                            disabled_optimizers=UNFUSED)

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last layer's token states, shape (inputs, tokens, dim)."""
        with timing.stage("embed (model run)"):
            return self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                       "token_type_ids": np.zeros_like(ids)})[0]

    def hidden_mean(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Normalised mean of the token states under `mask`, one row per input."""
        return mean_pool(self.hidden(ids, mask), mask)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Normalised mean of the token states under `mask`, one row per input (sentence-transformers' pooling)."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def run_side_by_side(workers: Sequence["OnnxEncoder"], sizes: Sequence[int], run: Callable[[int, "OnnxEncoder"], None],
                     pool: Executor, progress: Callable[[int], None] | None = None) -> None:
    """Run batches 0..len(sizes)-1 with `run(n, worker)`, each worker taking the next batch when done.

    onnxruntime releases the GIL, so the one-thread sessions run side by side with no lockstep: a core slowed
    by other work does not hold the other one up. `progress` is called in this thread with the number of
    inputs done (`sizes` of the finished batches) after each batch. All batches go in one call: when a build
    was cut into many small calls, the model runs took ~15% more thread time (docs/speed.md).

    The workers run at most two batches each beyond the reports this thread has handled (a report is handled
    when `progress` returns): enough that a worker never waits for a report in a normal run, and a bound
    that holds however the threads are scheduled. So if `progress` raises (Ctrl-C), no batch starts after
    the ones already handed out (at most 2 x workers past the last report handled), the workers stop after
    their current batch, and the call returns only when none is running.
    """
    active = workers[:max(1, min(len(workers), len(sizes)))]
    handout = _Handout(len(sizes), ahead=2 * len(active))
    finished: queue.SimpleQueue = queue.SimpleQueue()

    def drain(worker) -> None:
        try:
            while (n := handout.take()) is not None:
                run(n, worker)
                finished.put(sizes[n])
        except BaseException:
            handout.stop()  # one failed batch fails the call: the other workers need not finish theirs
            raise
        finally:
            finished.put(None)

    futures = [pool.submit(drain, w) for w in active]
    try:
        done, running = 0, len(futures)
        while running:
            size = finished.get()
            if size is None:
                running -= 1
            else:
                done += size
                if progress is not None:
                    progress(done)
                handout.handled()
    finally:
        handout.stop()
        for future in futures:
            future.exception()  # wait: no session may still be running when the caller goes on
    for future in futures:
        future.result()  # a worker's error is the caller's


class _Handout:
    """The batch numbers 0..count-1 for the workers, each once, at most `ahead` past the reports handled."""

    def __init__(self, count: int, ahead: int):
        self.count, self.ahead = count, ahead
        self.next = self.unhandled = 0  # the next batch to hand out; batches handed out and not yet reported
        self.stopped = False
        self.changed = threading.Condition()

    def take(self) -> int | None:
        """The next batch to run, waiting while the workers are `ahead` batches ahead; None once all are out or
        the call stops."""
        with self.changed:
            self.changed.wait_for(lambda: self.stopped or self.unhandled < self.ahead)
            if self.stopped or self.next >= self.count:
                return None
            self.next += 1
            self.unhandled += 1
            return self.next - 1

    def handled(self) -> None:
        """The caller has reported one finished batch: one more may be handed out."""
        with self.changed:
            self.unhandled -= 1
            self.changed.notify_all()

    def stop(self) -> None:
        """Hand out no more batches, and wake the workers waiting for one."""
        with self.changed:
            self.stopped = True
            self.changed.notify_all()
