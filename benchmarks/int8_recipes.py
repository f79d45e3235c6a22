"""Passages/s and cosine to fp32 of int8 export/quantisation recipes, interleaved in one run (issue 14).

    .venv/bin/python benchmarks/int8_recipes.py [--corpus CORPUS.jsonl] [--passages 400] [--reps 3]
        [--variants v3,noskip,...] [--batch 16] [--layout 2x1] [--opt all] [--workdir /tmp/int8-recipes]

SciFact abstracts (title + abstract) cut to 128 wordpieces, sorted by length and batched as `Embedder` does.
Each variant's model is made once in --workdir from the packaged weights; the timing loop then runs every
variant once per repetition (interleaved, so a change of load hits all of them), with the build's session
layout (`2x1`: two one-thread sessions side by side, each a whole batch) or one session (`1x2`: two threads).
Cosine: each variant's pooled vectors against the fp32 ONNX export's (min and mean over the passages).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import SETTINGS  # noqa: E402
from qa.embed.embedder import Embedder, model_path  # noqa: E402
from qa.embed.tokens import padded, truncate  # noqa: E402
from qa.embed import onnx_model  # noqa: E402

# name: (graph the weights are quantised in, quantize_dynamic options); None = no quantisation
VARIANTS = {
    "fp32": ("sdpa", None),
    "v3": ("fused", dict(ops=["MatMul", "Attention"])),  # EXPORT_VERSION 3, before this recipe comparison
    "fused-mm": ("fused", dict(ops=["MatMul"])),
    "fused-u8": ("fused", dict(ops=["MatMul", "Attention"], weight="QUInt8")),
    "fused-rr": ("fused", dict(ops=["MatMul", "Attention"], reduce_range=True)),
    "fused-pt": ("fused", dict(ops=["MatMul", "Attention"], per_channel=False)),
    "fused-mm-u8": ("fused", dict(ops=["MatMul"], weight="QUInt8")),
    "sdpa-mm": ("sdpa", dict(ops=["MatMul"])),
    "sdpa-mm-pt": ("sdpa", dict(ops=["MatMul"], per_channel=False)),
    "eager-mm": ("eager", dict(ops=["MatMul"])),
    # the residual Add + LayerNormalization left unfused (onnxruntime's SkipLayerNormalization kernel is slow)
    "noskip": ("fused-noskip", dict(ops=["MatMul", "Attention"])),  # EXPORT_VERSION 4, the one qa builds
    "noskip-rr": ("fused-noskip", dict(ops=["MatMul", "Attention"], reduce_range=True)),
    "noskip-fastgelu": ("fused-noskip-fastgelu", dict(ops=["MatMul", "Attention"])),
    "noskip-noattn": ("fused-noskip-noattn", dict(ops=["MatMul"])),
    "noskip-mha": ("fused-noskip-mha", dict(ops=["MatMul"])),
}
# fp32 graphs made by onnxruntime's BERT optimiser from the eager export: FusionOptions flags turned off/on
FUSED = {"fused": {}, "fused-noskip": {"enable_skip_layer_norm": False},
         "fused-noskip-fastgelu": {"enable_skip_layer_norm": False, "enable_gelu_approximation": True},
         "fused-noskip-noattn": {"enable_skip_layer_norm": False, "enable_attention": False},
         "fused-noskip-mha": {"enable_skip_layer_norm": False, "use_multi_head_attention": True}}


def disabled_optimizers(name: str) -> list[str]:
    """Session-time fusions to turn off, so that they do not undo a graph's unfused parts."""
    return ["SkipLayerNormFusion"] if "noskip" in VARIANTS[name][0] else []


def graphs(work: Path) -> dict[str, Path]:
    """The fp32 graphs: plain exports with sdpa and eager attention, and the eager one fused by the optimiser."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    paths = {name: work / f"{name}.onnx" for name in ("sdpa", "eager", *FUSED)}
    for attention in ("sdpa", "eager"):
        if not paths[attention].exists():
            onnx_model._to_onnx(model_path(), paths[attention], attention)
    shape = json.loads((Path(model_path()) / "config.json").read_text())
    for name, flags in FUSED.items():
        if not paths[name].exists():
            options = FusionOptions("bert")
            for flag, value in flags.items():
                setattr(options, flag, value)
            optimize_model(str(paths["eager"]), model_type="bert", num_heads=shape["num_attention_heads"],
                           hidden_size=shape["hidden_size"], optimization_options=options
                           ).save_model_to_file(str(paths[name]))
    return paths


def variant_file(name: str, work: Path, sources: dict[str, Path]) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph, opts = VARIANTS[name]
    if opts is None:
        return sources[graph]
    path = work / f"{name}.onnx"
    if not path.exists():
        quantize_dynamic(str(sources[graph]), str(path), per_channel=opts.get("per_channel", True),
                         reduce_range=opts.get("reduce_range", False),
                         weight_type=getattr(QuantType, opts.get("weight", "QInt8")),
                         op_types_to_quantize=opts["ops"], extra_options={"DefaultTensorType": 1})
    return path


def session(path: Path, threads: int, opt: str, disabled: list[str] = ()):
    import onnxruntime as ort

    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads, o.log_severity_level = threads, 1, 3
    o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    o.graph_optimization_level = {"basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                                  "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                                  "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[opt]
    return ort.InferenceSession(str(path), o, providers=["CPUExecutionProvider"], disabled_optimizers=list(disabled))


def pooled(s, rows: list) -> np.ndarray:
    ids, mask = padded(rows)
    hidden = s.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    w = mask[..., None].astype(np.float32)
    v = (hidden * w).sum(axis=1) / w.sum(axis=1)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class Runner:
    """One variant's sessions in one layout; `embed` returns the pooled vectors in input order."""

    def __init__(self, path: Path, layout: str, opt: str, disabled: list[str] = ()):
        count, threads = (int(x) for x in layout.split("x"))
        self.sessions = [session(path, threads, opt, disabled) for _ in range(count)]
        self.pool = ThreadPoolExecutor(count) if count > 1 else None

    def embed(self, batches: list[list]) -> list[np.ndarray]:
        if self.pool is None:
            return [pooled(self.sessions[0], b) for b in batches]
        n = len(self.sessions)
        return list(self.pool.map(lambda i: pooled(self.sessions[i % n], batches[i]), range(len(batches))))


def texts_from(corpus: Path, n: int) -> list[str]:
    out = []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out.append(f"{(d.get('title') or '').strip()}\n{d.get('text') or ''}".strip())
            if len(out) >= n:
                break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "scifact" / "corpus.jsonl")
    parser.add_argument("--passages", type=int, default=400)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--batch", default=str(SETTINGS.model.onnx_batch_size), help="batch sizes, comma-separated")
    parser.add_argument("--layout", default="2x1", help="sessions x threads, comma-separated (2x1, 1x2)")
    parser.add_argument("--opt", default="all", help="session graph optimisation: basic, extended, all (comma-separated)")
    parser.add_argument("--wordpieces", type=int, default=128)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/int8-recipes"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    texts = texts_from(args.corpus, args.passages)
    ids = [truncate(i, args.wordpieces) for i in Embedder(SETTINGS).tokens.token_ids(texts)]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    sources = graphs(args.workdir)
    names = args.variants.split(",")
    files = {name: variant_file(name, args.workdir, sources) for name in names}
    combos = [(n, b, lay, opt) for n in names for b in map(int, args.batch.split(","))
              for lay in args.layout.split(",") for opt in args.opt.split(",")]
    runners = {c: Runner(files[c[0]], c[2], c[3], disabled_optimizers(c[0])) for c in combos}
    batches = {b: [[ids[i] for i in order[lo:lo + b]] for lo in range(0, len(order), b)]
               for b in {c[1] for c in combos}}
    # batches are consecutive slices of one sorted order: every run's rows come out in that order
    reference = np.concatenate(Runner(sources["sdpa"], "1x2", "all").embed(next(iter(batches.values()))))
    print(f"{len(texts)} passages, {sum(map(len, ids)) / len(ids):.1f} wordpieces on average "
          f"(load {os.getloadavg()[0]:.2f})", flush=True)
    rates: dict = {c: [] for c in combos}
    cpu_rates: dict = {c: [] for c in combos}
    cosines = {}
    for rep in range(args.reps):
        for c in combos:
            runner, bs = runners[c], batches[c[1]]
            runner.embed(bs[:1])  # warm-up
            started, cpu = time.perf_counter(), time.process_time()
            vectors = runner.embed(bs)
            rates[c].append(len(texts) / (time.perf_counter() - started))
            cpu_rates[c].append(len(texts) / (time.process_time() - cpu))
            if c not in cosines:
                flat = np.concatenate(vectors)
                cos = (flat * reference).sum(axis=1)
                cosines[c] = (float(cos.min()), float(cos.mean()))
        print(f"rep {rep + 1} done (load {os.getloadavg()[0]:.2f})", flush=True)
    # passages per CPU-second moves less with other work on the machine than passages per second
    print(f"{'variant':<16} {'batch':>5} {'layout':>6} {'opt':>8} {'passages/s (each rep)':<22} {'best':>6} "
          f"{'per CPU-s (median)':>18} {'min cos':>8} {'mean cos':>8}")
    for c in combos:
        each = " ".join(f"{r:.1f}" for r in rates[c])
        print(f"{c[0]:<16} {c[1]:>5} {c[2]:>6} {c[3]:>8} {each:<22} {max(rates[c]):>6.1f} "
              f"{float(np.median(cpu_rates[c])):>18.1f} {cosines[c][0]:>8.4f} {cosines[c][1]:>8.5f}")
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
