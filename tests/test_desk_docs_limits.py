"""Where the README and docs/ state a limit (k, question length, uploads, fetching, watching, PDFs), it is the one
the code uses: prose and the route table are checked against qa/config.py, and every table row that names a
setting (docs/cli.md's table of limits) is checked against the value of that name."""
import importlib
import re

from qa.config import (FETCH_MAX_BYTES, FETCH_MIN_WORDS, FETCH_TIMEOUT_SECONDS, MAX_K, MAX_K_JSON, MAX_QUESTION_CHARS,
                       MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, SETTINGS, WATCH_DEBOUNCE_MS)
from qa.ingest.watch import QUIET_MS

from .support import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# a constant below the qa package, then any attributes: `config.MAX_K`, `config.SETTINGS.load.pdf_seconds`
SETTING = re.compile(r"`((?:config|ingest|index|answering|serve|ui)(?:\.[a-z_]+)*\.[A-Z][A-Z0-9_]*(?:\.[a-z_]+)*)`")
# the limits a newcomer meets first: docs/cli.md's table must state each
MUST_STATE = {"config.MAX_K", "config.MAX_K_JSON", "config.MAX_QUESTION_CHARS", "config.MAX_UPLOAD_FILES",
              "config.MAX_UPLOAD_BYTES", "config.FETCH_MAX_BYTES", "config.FETCH_TIMEOUT_SECONDS"}


def text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in DOCS)


def setting(name: str):
    """The value of `name` ("config.MAX_K", "config.SETTINGS.load.pdf_seconds", "ingest.watch.QUIET_MS")."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):  # the longest prefix that is a module of qa, then attributes
        try:
            value = importlib.import_module("qa." + ".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            value = getattr(value, attr)
        return value
    raise AssertionError(f"{name} is not a name in the qa package")


def shown(name: str, value) -> str:
    """How the docs write `value`: bytes in MB, milliseconds and seconds in s, counts with thousands commas."""
    last = name.rsplit(".", 1)[-1].lower()
    if last.endswith("_bytes"):
        return f"{value // 2**20} MB"
    if last.endswith("_ms"):
        return f"{value / 1000:g} s"
    if last.endswith(("_seconds", "seconds")):
        return f"{value:g} s"
    return f"{value:,}"


def limit_rows() -> list[tuple[str, str, list[str]]]:
    """(file, row, names) of every table row whose last cell names settings."""
    rows = []
    for path in DOCS:
        for line in path.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
            names = SETTING.findall(cells[-1]) if cells else []
            if names:
                rows.append((path.name, line, names))
    return rows


def test_every_table_row_that_names_a_setting_states_its_value():
    rows = limit_rows()
    stated = {name for path, _, names in rows if path == "cli.md" for name in names}
    assert MUST_STATE <= stated, f"docs/cli.md's table of limits lacks {sorted(MUST_STATE - stated)}"
    for path, line, names in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        values = cells[1].split(" / ")  # the value column: one value a name, in the same order
        assert len(values) == len(names), f"{path}: {len(names)} names but {len(values)} values in {line}"
        for name, value in zip(names, values):
            expected = shown(name, setting(name))
            assert re.search(rf"(?<![\d,.]){re.escape(expected)}(?![\d,.])", value), \
                f"{path}: {name} is {expected}, the table says {value!r}"


def test_the_route_table_states_the_apis_k_range_and_default():
    route = next(line for path in DOCS for line in path.read_text().splitlines() if line.startswith("| `GET /api/ask"))
    assert f"`k` 1 to {MAX_K_JSON:,}, default {SETTINGS.retrieval.k}" in route, route


def test_every_stated_k_range_is_one_of_the_configured_ones():
    ranges = re.findall(r"`k` (?:is |is clamped to )?1(?:–| to )([\d,]+)", text())
    assert ranges and {int(r.replace(",", "")) for r in ranges} <= {MAX_K, MAX_K_JSON}, ranges
    errors = re.findall(r"k must be from 1 to (\d+)", text())
    assert {int(e) for e in errors} <= {MAX_K, MAX_K_JSON}, errors


def test_question_and_upload_limits_match_the_configuration():
    cuts = re.findall(r"[Qq]uestions are cut to ([\d,]+) characters", text())
    assert cuts and {int(c.replace(",", "")) for c in cuts} == {MAX_QUESTION_CHARS}, cuts
    uploads = re.findall(r"at most (\d+) files at once, (\d+) MB each", text())
    assert uploads and set(uploads) == {(str(MAX_UPLOAD_FILES), str(MAX_UPLOAD_BYTES // 2**20))}, uploads


def test_fetch_and_watch_limits_in_prose_match_the_code():
    fetch = re.findall(r"(\d+) s timeout, (\d+) MB at most", text())
    assert fetch and set(fetch) == {(f"{FETCH_TIMEOUT_SECONDS:g}", str(FETCH_MAX_BYTES // 2**20))}, fetch
    words = re.findall(r"at least (\d+) words of main text", text())
    assert words and set(words) == {str(FETCH_MIN_WORDS)}, words
    waits = re.findall(r"nothing has changed for ([\d.]+) s, or ([\d.]+) s after the first change", text())
    assert waits and set(waits) == {(f"{QUIET_MS / 1000:g}", f"{WATCH_DEBOUNCE_MS / 1000:g}")}, waits
