"""Where the README and docs/ state a limit (k, question length, uploads), it is the one in qa/config.py."""
import re

from qa.config import MAX_K, MAX_K_JSON, MAX_QUESTION_CHARS, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES

from .support import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in DOCS)


def test_the_route_table_states_the_apis_k_range():
    route = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `GET /api/ask"))
    assert f"`k` 1 to {MAX_K_JSON:,}" in route, route


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
