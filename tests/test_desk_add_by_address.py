"""Add by address (the Collection tab): every address of one request is fetched and gets its own line, added or
not; one failure neither stops the others nor hides their lines."""
from __future__ import annotations

import re

import pytest

from qa.engine import Engine
from qa.ingest.addresses import parse_networks
from qa.ui.collection_tab import CollectionTab

from .newsite import news_site

LOOPBACK = parse_networks(["127.0.0.0/8"])


def quiet(*_args, **_kwargs) -> None:
    """Stands in for gr.Progress outside a browser."""


def lines_of(notice: str) -> list[str]:
    return re.findall(r"<(?:li|p)>(.*?)</(?:li|p)>", notice)


@pytest.fixture(scope="module")
def site():
    with news_site() as (base, server):
        yield base, server


def tab_in(tmp_path) -> CollectionTab:
    folder = tmp_path / "articles"
    folder.mkdir()
    return CollectionTab(Engine(tmp_path / "index", create=True), [folder], fetch_allow=LOOPBACK)


def test_every_failing_address_gets_its_own_line(site, tmp_path):
    base, server = site
    tab = tab_in(tmp_path)
    notice, _, _, kept = tab.add_url(f"{base}/nowhere\n{base}/world {base}/report.pdf", progress=quiet)
    lines = lines_of(notice)
    assert len(lines) == 3 and "qa-error" in notice
    for path, line in zip(("/nowhere", "/world", "/report.pdf"), lines):
        assert path in line and line.startswith("Not added:"), lines
    assert {"/nowhere", "/world", "/report.pdf"} <= set(server.hits), "every address was fetched"
    assert list(tab.uploads.iterdir()) == [] and kept.startswith(base), "nothing saved; the addresses stay to fix"


@pytest.mark.model
def test_a_success_a_duplicate_and_a_404_are_each_reported(site, tmp_path):
    base, _ = site
    tab = tab_in(tmp_path)
    article, missing = f"{base}/science/otter-census", f"{base}/nowhere"
    notice, *_ = tab.add_url(f"{article} {missing}", progress=quiet)
    first = lines_of(notice)
    assert len(first) == 2, first
    assert first[0].endswith(f"added from {article} and ready for questions")
    assert "/nowhere" in first[1] and "404" in first[1]
    assert len(list(tab.uploads.iterdir())) == 1
    notice, *_ = tab.add_url(f"{article} {missing}", progress=quiet)
    second = lines_of(notice)
    assert len(second) == 2, second
    assert any("already in the collection as" in line and article in line for line in second), second
    assert any("/nowhere" in line and "404" in line for line in second), second
    assert len(list(tab.uploads.iterdir())) == 1, "nothing saved twice"
