# Two commands for a fresh machine: `make run` (the chat UI on seeds/ and your articles/) and `make test` (every test).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test test-fast setup index bench bench-real bench-cluster bench-million eval-ray eval-shards eval calibrate browser clean

# app.py builds or updates the index of seeds/ and articles/ (git-ignored; uploads go there) before the UI starts
run: setup
	$(PY) app.py

# The quick tier first, with its guard on (no test in it may load the model), then the rest; each test runs once.
# --durations: the 15 slowest tests close every run, so a slow CI run shows where its time went
test: setup browser
	$(PY) -m pytest -q -m "not model and not browser"
	$(PY) -m pytest -q --durations=15 -m "model or browser"

# The quick tier (under a minute): no browser, and no embedding model, in pytest's process or in a `qa` or app.py it
# starts (tests/conftest.py sets QA_FORBID_MODEL=1, so a test that would load it fails: mark it `model`).
# `make test` runs everything.
test-fast: setup
	$(PY) -m pytest -q -m "not model and not browser"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: an unpinned resolve pulls several GB of CUDA packages
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,cluster]'  # cluster: Ray, so the cluster tests run
	touch $(STAMP)

# Debian's chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

index: setup
	$(VENV)/bin/qa build --index index

# real text first (SciFact build vs raw fp32, SciFact/SQuAD ask per stage), then 1k/10k/100k; docs/speed.md
bench: setup
	$(PY) -m benchmarks.speed

# only the real-text part (issue 14's measures), ~15 minutes the first time on 2 cores
bench-real: setup
	$(PY) -m benchmarks.speed --real-only

# build throughput over a Ray cluster of 1 and 2 one-CPU nodes on this machine against the local build, then query
# p50/p95 of a 3-shard Ray Serve service against the single index on the same collection (SQuAD dev); docs/scale.md
bench-cluster: setup bench-million
	$(PY) benchmarks/cluster.py
	$(PY) -m benchmarks.eval_shards --data $(BENCH) --only squad --limit 500

# the search path at 1,000,000 passages, SYNTHETIC vectors (benchmarks/million.py says how); built once in /tmp
bench-million: setup
	$(PY) -m benchmarks.million

# Answer quality on real benchmarks (minutes; not part of `make test`); results in docs/quality.md.
BENCH ?= ../shared/benchmarks
eval: setup
	$(VENV)/bin/qa eval eval/seeds.jsonl eval/offtopic.jsonl --source seeds --index /tmp/qa-seeds --compare
	$(VENV)/bin/qa eval $(BENCH)/scifact --index /tmp/qa-scifact --compare
	$(VENV)/bin/qa eval $(BENCH)/squad/dev-v1.1.rebuilt.json eval/offtopic.jsonl eval/dialogues.jsonl --source seeds --index /tmp/qa-squad-seeds --limit 2000 --compare
	# the held-out set (issue 23): measured, never tuned on (eval/heldout/README.md)
	$(VENV)/bin/qa eval eval/heldout/questions.jsonl eval/heldout/offtopic.jsonl eval/heldout/dialogues.jsonl --source eval/heldout/articles --index /tmp/qa-heldout

# qa eval on SciFact and SQuAD over a `--ray` build on a local 2-node cluster against the local build; docs/scale.md
eval-ray: setup
	$(PY) -m benchmarks.eval_ray --data $(BENCH)

# qa eval on SciFact and SQuAD over a 3-shard index served by Ray Serve against the single index; docs/scale.md
eval-shards: setup
	$(PY) -m benchmarks.eval_shards --data $(BENCH)

# refit "high" (qa/fitted.py) on 1,500 SQuAD dev questions outside the reported 2,000; needs `make eval`'s SQuAD index.
# Re-run after any change to how answer sentences are chosen (docs/quality.md, "confidence that holds").
calibrate: setup
	$(PY) -m eval.calibrate_confidence --squad $(BENCH)/squad/dev-v1.1.rebuilt.json --index /tmp/qa-squad-seeds \
		--out /tmp/qa-high-rows.json --write

clean:
	rm -rf $(VENV) index/qa.sqlite* index/*.faiss index/bm25-*.npz index/*.tmp* index/.build.lock
