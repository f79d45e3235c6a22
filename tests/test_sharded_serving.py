"""`qa build --shards 3` served by Ray Serve on a real two-node cluster started here: the single index's answers,
and a replica killed mid-run costing no request."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from .ray_cluster import Gate, replicas, running, seeds_and_squad
from .support import ROOT, SEEDS

ray = pytest.importorskip("ray", reason="Ray (the `cluster` extra) is not installed: pip install 'qa[cluster]'")
pytestmark = pytest.mark.model

PARAGRAPHS = 60  # SQuAD has ~5 questions a paragraph: enough for QUESTIONS
QUESTIONS = 200
SHARDS = 3
DEADLINE = 1200  # seconds to wait for a condition: generous, since the CPU is shared; never a sleep


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """The seeds plus the first PARAGRAPHS SQuAD paragraphs as files, and QUESTIONS of their questions."""
    folder = tmp_path_factory.mktemp("sharded") / "articles"
    questions = seeds_and_squad(folder, PARAGRAPHS)[:QUESTIONS]
    assert len(questions) == QUESTIONS
    return folder, questions


@pytest.fixture(scope="module")
def indexes(collection, tmp_path_factory, embedder):
    """A single index and a 3-shard index of the same folder."""
    from qa.cluster.shards import build_shards
    from qa.engine import Engine

    base = tmp_path_factory.mktemp("indexes")
    single = Engine(base / "single", embedder=embedder, create=True)
    single.build([collection[0]])
    build_shards(base / "sharded", [collection[0]], SHARDS, embedder)
    return single, base / "sharded"


@pytest.fixture(scope="module")
def single_answers(indexes, collection):
    return [first(indexes[0].ask(q)) for q in collection[1]]


@pytest.fixture(scope="module")
def misspelled(indexes, collection) -> str:
    """A question of the list with its longest word misspelled (two inner letters swapped) that the single index
    corrects back."""
    for question in collection[1]:
        word = max(re.findall(r"\b[a-z]{8,}\b", question), key=len, default=None)
        if word:
            typo = question.replace(word, word[:2] + word[3] + word[2] + word[4:], 1)
            if indexes[0].ask(typo).corrections:
                return typo
    raise AssertionError("no question of the list could be misspelled and corrected")


@pytest.fixture(scope="module")
def gate(cluster):
    """The test's `Gate` actor, which every shard search of the service passes through first."""
    from qa.cluster.service import GATE_NAMESPACE

    return ray.remote(num_cpus=0)(Gate).options(name="gate", namespace=GATE_NAMESPACE).remote()


@pytest.fixture(scope="module")
def service(cluster, gate, indexes):
    """The sharded index deployed on the cluster (2 replicas a shard, 1 front), its searches through the gate."""
    from qa.cluster.service import connect
    from qa.config import CLUSTER

    return connect(indexes[1], None, cluster=replace(CLUSTER, front_replicas=1, gate="gate"))


def first(answer) -> tuple:
    """What must agree: the first excerpt (article and offsets) and the first answer sentence."""
    if not answer.excerpts:
        return ()
    c = answer.excerpts[0].citation
    return c.doc_id, c.start, c.end, answer.answer[0].text if answer.answer else None


def shape(value):
    """A JSON value's shape: its keys and the types of its leaves, lists by their first item."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__ if value is not None else "null"


def agreement(found: list[tuple], expected: list[tuple]) -> float:
    return sum(a == b for a, b in zip(found, expected)) / len(expected)


def test_shards_in_process_answer_as_the_single_index(indexes, collection, single_answers, embedder):
    """The front's logic without Ray: the merged, fused candidates give the single index's answers."""
    from qa.cluster.sharded import ShardedEngine

    sharded = ShardedEngine.open(indexes[1], embedder=embedder)
    assert sorted(d.doc_id for d, _ in sharded.documents()) == sorted(d.doc_id for d, _ in indexes[0].documents())
    assert sharded.groups() == indexes[0].groups()
    found = [first(sharded.ask(q)) for q in collection[1]]
    assert agreement(found, single_answers) >= 0.99


# what only an engine with an index of its own holds: its store and the generation it loaded from it
OWN_INDEX = {"store", "_loaded", "_reload"}


def test_engines_without_an_index_of_their_own_have_every_other_engine_attribute(indexes, embedder, service):
    """The front over shards and the Ray service's engine share Engine's initialiser: an attribute added to a
    single index's engine (as the speller and the entity tagger were) is theirs too."""
    from qa.cluster.sharded import ShardedEngine

    needed = set(vars(indexes[0])) - OWN_INDEX
    assert needed <= set(vars(ShardedEngine.open(indexes[1], embedder=embedder)))
    assert needed <= set(vars(service))


def spelled(answer) -> tuple:
    """What spelling decided: the question searched for and each correction."""
    return answer.searched_for, [c.to_json() for c in answer.corrections]


def test_a_misspelled_question_over_shards_is_corrected_as_over_the_single_index(indexes, misspelled, embedder):
    """The front corrects with the collection's words joined over every shard, as the single index does."""
    from qa.cluster.sharded import ShardedEngine

    single = indexes[0].ask(misspelled)
    sharded = ShardedEngine.open(indexes[1], embedder=embedder).ask(misspelled)
    assert single.searched_for != misspelled
    assert spelled(sharded) == spelled(single) and first(sharded) == first(single)


def test_qa_eval_over_shards_equals_the_single_index(tmp_path, embedder):
    """`evaluate` (qa eval) on the seed questions over 3 shards (built by `build_shards`, answered by the front)
    gives every figure of the single index; benchmarks/eval_shards.py does the same over Ray Serve at scale."""
    from qa.cluster.sharded import ShardedEngine
    from qa.cluster.shards import build_shards, load_collection
    from qa.evaluation.scoring import evaluate

    questions, shards = ROOT / "eval" / "seeds.jsonl", tmp_path / "sharded" / "shards"

    def build(engine, folders, warn):
        return build_shards(shards, folders, SHARDS, engine.embedder, warn=warn)

    sharded = evaluate([questions], tmp_path / "sharded", [SEEDS], embedder=embedder, build=build,
                       answer_with=lambda settings: ShardedEngine.open(shards, settings, embedder))
    single = evaluate([questions], tmp_path / "single", [SEEDS], embedder=embedder)

    def quality(report: dict) -> dict:  # the figures, not the time they took
        return {k: v for k, v in report["modes"]["hybrid"].items() if not k.startswith("took_ms")}

    assert sharded["questions"] == single["questions"] > 0
    assert len(load_collection(shards).words.counts) > 0 and quality(sharded) == quality(single)


def test_qa_ask_json_has_the_single_index_shape(indexes, collection):
    """`qa ask --json` over the sharded folder (in one process) prints what it prints over the single index."""
    question = collection[1][0]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def asked(index: Path) -> dict:
        run = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--json", "--index", str(index), question],
                             capture_output=True, text=True, env=env, timeout=DEADLINE)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    single, sharded = asked(indexes[0].index_dir), asked(indexes[1])
    assert shape(sharded) == shape(single)
    assert sharded["excerpts"][0] == single["excerpts"][0] and sharded["answer"] == single["answer"]


def test_ray_serve_answers_as_the_single_index(served, service, indexes, single_answers):
    """The 200 questions (one of them with its replica killed, below) get the single index's answers."""
    assert agreement(served.found, single_answers) >= 0.99
    question = served.questions[0]
    answered, single = service.ask(question).to_json(), indexes[0].ask(question).to_json()
    assert shape(answered) == shape(single)
    assert answered["excerpts"][0] == single["excerpts"][0] and answered["answer"] == single["answer"]
    doc_id = indexes[0].documents()[0][0].doc_id
    assert service.document(doc_id).title == indexes[0].document(doc_id).title
    assert service.also_in(doc_id) == indexes[0].also_in(doc_id)


def test_ray_serve_corrects_a_misspelled_question_as_the_single_index(service, indexes, misspelled):
    single, served = indexes[0].ask(misspelled), service.ask(misspelled)
    assert single.searched_for != misspelled
    assert spelled(served) == spelled(single) and first(served) == first(single)


@pytest.fixture(scope="module")
def served(service, gate, collection) -> SimpleNamespace:
    """The 200 questions asked of the service, once for both tests that read them: the 21st is held inside a
    shard-0 replica (the gate) and that replica is killed with the search in it, so the front must send the search
    again. Every failure is counted, none raised."""
    before = replicas("shard-0")
    replicas_running = running("shard-0")
    resent_before = service.front.lost_calls.remote().result()
    failed, found, killed, held_back = 0, [], [], []

    def asked_while_its_replica_is_killed(question: str):
        ray.get(gate.hold.remote(0))  # the next search of shard 0 waits inside its replica
        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                asked = pool.submit(service.ask, question)
                killed.append(ray.get(gate.held.remote(), timeout=DEADLINE))  # that replica's actor name
                held_back.append(not asked.done())  # no answer while its shard-0 search is held
                ray.kill(ray.get_actor(killed[0], namespace="serve"), no_restart=True)  # its process ends at once
                return asked.result(timeout=DEADLINE)
            finally:
                ray.get(gate.release.remote())  # a search still held goes on (none is, once its replica is dead)

    for n, question in enumerate(collection[1]):
        try:
            found.append(first(asked_while_its_replica_is_killed(question) if n == 20 else service.ask(question)))
        except Exception:  # noqa: BLE001 - any failure at all is what the test counts
            failed += 1
            found.append(())
    return SimpleNamespace(questions=collection[1], before=before, replicas_running=replicas_running,
                           resent_before=resent_before, victim=killed[0] if killed else None,
                           held_back=held_back, failed=failed, found=found)


def test_a_replica_killed_with_a_search_inside_it_costs_no_request_and_comes_back(served, service, single_answers):
    """The replica holding the 21st question's shard-0 search was killed (`served`): no question failed, that one
    got the single index's answer by a search sent again, and Serve brings the replica count back."""
    assert len(served.before) == 2 and served.replicas_running == 2
    assert served.victim in served.before and served.held_back == [True]
    assert served.failed == 0
    assert served.found[20] == single_answers[20]
    assert agreement(served.found, single_answers) >= 0.99
    assert service.front.lost_calls.remote().result() >= served.resent_before + 1  # the held search was sent again
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:  # a condition with a deadline, not a wait of a set length
        now = replicas("shard-0")
        if served.victim not in now and len(now) == 2 and running("shard-0") == 2:
            break
        time.sleep(0.5)
    now = replicas("shard-0")
    assert served.victim not in now and len(now) == 2 and running("shard-0") == 2


def test_the_rest_api_works_unchanged_on_the_service(service, indexes, collection):
    """The serve layer's REST routes over the Ray service answer as over the single index, errors included."""
    from anyio import CapacityLimiter
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from qa.serve.rest import install_error_handlers, router

    app = FastAPI()
    install_error_handlers(app, service)
    app.include_router(router(service, CapacityLimiter(2)))
    question = collection[1][1]
    with TestClient(app) as client:
        got = client.get("/api/ask", params={"q": question, "k": 3}).json()
        expected = indexes[0].ask(question, 3).to_json()
        for answer in (got, expected):
            answer.pop("took_ms")
        assert got == expected
        listed = client.get("/api/articles").json()["articles"]
        assert len(listed) == len(indexes[0].documents())
        missing = client.get("/api/articles/no-such-article.txt")
        assert missing.status_code == 404 and "no document" in missing.json()["error"]
        assert client.get("/api/ask", params={"q": question, "doc": "no-such.txt"}).status_code in (400, 404)
