"""Passages/s of the int8 and fp32 ONNX models on SciFact abstracts, by session layout (threads, spinning).

Run: .venv/bin/python benchmarks/int8_sessions.py [CORPUS.jsonl]   (default ../shared/benchmarks/scifact/corpus.jsonl)
"""
import json, time, os, sys
import numpy as np
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "benchmarks", "scifact", "corpus.jsonl")
from qa.config import SETTINGS
from qa.embed.embedder import Embedder, model_path
from qa.embed.tokens import padded, truncate
from qa.embed.onnx_model import model_files
import onnxruntime as ort
texts = []
for line in open(CORPUS):
    d = json.loads(line); texts.append((d.get("title","") + "\n" + d["text"])[:700])
    if len(texts) >= 400: break
emb = Embedder(SETTINGS)
ids = [truncate(i, 128) for i in emb.tokens.token_ids(texts)]
order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
batches = [[ids[i] for i in order[lo:lo+32]] for lo in range(0, len(order), 32)]
fp32, int8 = model_files(model_path())
def sess(f, threads, spin):
    o = ort.SessionOptions(); o.intra_op_num_threads = threads; o.inter_op_num_threads = 1; o.log_severity_level = 3
    o.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    return ort.InferenceSession(str(f), o, providers=["CPUExecutionProvider"])
def run(s, b):
    i, m = padded(b); s.run(None, {"input_ids": i, "attention_mask": m, "token_type_ids": np.zeros_like(i)})
from concurrent.futures import ThreadPoolExecutor
for name, f in (("int8", int8), ("fp32onnx", fp32)):
    for threads, spin in ((2, True), (2, False)):
        s = sess(f, threads, spin); run(s, batches[0]); t = time.perf_counter()
        for b in batches: run(s, b)
        print(name, f"1 session x {threads} threads spin={spin}: {len(texts)/(time.perf_counter()-t):.1f} passages/s", flush=True)
    ss = [sess(f, 1, False) for _ in range(2)]; run(ss[0], batches[0]); pool = ThreadPoolExecutor(2); t = time.perf_counter()
    list(pool.map(lambda n: run(ss[n % 2], batches[n]), range(len(batches))))
    print(name, f"2 sessions x 1 thread: {len(texts)/(time.perf_counter()-t):.1f} passages/s", flush=True)
print("load", os.getloadavg()[0])
