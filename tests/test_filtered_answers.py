"""With a filter on, the answer is looked for within the filter, and "none" names the selected articles."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from qa.ui import render

from .support import seeds_with

# written for this test (issue 23: "only the bridge article selected, 'How much will it cost?'")
BRIDGE = ("Council backs repairs to the Old Mill bridge\n"
          "The town council voted on Tuesday to close the Old Mill bridge for eighteen months while engineers "
          "replace its corroded steel deck, the first full repair since the bridge opened in 1961.\n"
          "Inspectors found last winter that salt spread on the road had eaten through the deck's steel plates in "
          "dozens of places, and that two of the bridge's twelve bearings had seized. Heavy lorries were banned "
          "from the bridge in March, and a weight limit of seven tonnes has applied since.\n"
          "Engineers told councillors the repairs would cost 62 million dollars, most of it from a state "
          "infrastructure grant, with the rest borrowed over thirty years.\n"
          "Traffic will be diverted over the ring road, which adds about ten minutes to a crossing at rush hour. "
          "A temporary footbridge will open in the spring for pedestrians and cyclists, and the ferry will run "
          "every twenty minutes instead of every hour while the bridge is closed.\n"
          "Shop owners on Mill Street said the closure would cost them customers. The council promised a fund to "
          "help them, and said the bridge would reopen before the summer festival of the following year.\n"
          "The bridge carries about 18,000 vehicles a day, according to the council's traffic survey, and is the "
          "only crossing of the river between the town centre and the northern suburbs.\n")
ORCHARD = ("Cider makers report a record apple harvest\n"
           "Orchards across the valley picked more apples this autumn than in any year since records began, "
           "growers said, after a warm spring and a wet summer. The cider makers' association expects prices "
           "to fall as presses run at full capacity until February.\n")


@pytest.fixture(scope="module")
def bridge_engine(tmp_path_factory, embedder):
    """The seed articles plus a bridge article and an orchard article."""
    return seeds_with(tmp_path_factory.mktemp("filtered"), embedder, {"bridge.txt": BRIDGE, "orchard.txt": ORCHARD})


@pytest.mark.model
def test_a_filter_to_one_article_finds_the_answer_it_holds(bridge_engine):
    answer = bridge_engine.ask("How much will it cost?", filters=bridge_engine.filters(doc_ids=["bridge.txt"]))
    assert answer.confidence != "none"
    assert "62 million dollars" in answer.answer[0].text
    assert answer.to_json()["message"] is None


@pytest.mark.model
def test_no_answer_under_a_filter_names_the_selected_articles(bridge_engine):
    filters = bridge_engine.filters(doc_ids=["orchard.txt"])
    answer = bridge_engine.ask("Who is the president of the football club?", filters=filters)
    assert answer.confidence == "none"
    assert answer.to_json()["message"] == "No answer in the selected articles."
    assert "No answer in the selected articles." in render.conversation([answer.to_json()])
    unfiltered = bridge_engine.ask("Who is the president of the football club?")
    assert unfiltered.confidence == "none"
    assert unfiltered.to_json()["message"] == "No answer in the collection."
    assert "No answer in the collection." in render.conversation([unfiltered.to_json()])


@pytest.mark.model
def test_the_command_line_says_no_answer_in_the_selected_articles(bridge_engine):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    run = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--index", str(bridge_engine.index_dir),
                          "--doc", "orchard.txt", "Who is the president of the football club?"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "No answer in the selected articles" in run.stdout
    as_json = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--json", "--index",
                              str(bridge_engine.index_dir), "--doc", "orchard.txt",
                              "Who is the president of the football club?"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert json.loads(as_json.stdout)["message"] == "No answer in the selected articles."
