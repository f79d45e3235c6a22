"""How similar syndicated copies and different stories are, to place the grouping threshold (docs/quality.md).

    .venv/bin/python eval/syndication.py [--squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json] [--shingle-words N]

Pairs built from real text: the seed articles, and SQuAD articles (the first 8 paragraphs of each title joined
into one article). For each class it prints the exact Jaccard similarity of the 2-word shingle sets and the
MinHash estimate that grouping compares with the threshold (qa/config.py GroupSettings).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import SETTINGS  # noqa: E402
from qa.index.syndication import shingles, signature, similarity  # noqa: E402

SEEDS = ROOT / "seeds"
SPUN = (SEEDS / "000_b9860484f37b842b.txt").read_text(encoding="utf-8")  # a machine-reworded wire story
PLAIN = (SEEDS / "002_b36ef5ac26814476.txt").read_text(encoding="utf-8")  # another story on the same talks
ORIGINAL = (ROOT / "tests" / "data" / "wire_original.txt").read_text(encoding="utf-8")  # SPUN's wording, rebuilt


def edited(text: str, headline: str) -> str:
    """A partner's copy: its own headline, and the middle paragraph cut."""
    paragraphs = text.splitlines()
    middle = len(paragraphs) // 2
    return "\n".join([headline] + paragraphs[1:middle] + paragraphs[middle + 1:])


def pair_classes(squad: Path) -> dict[str, list[tuple[str, str]]]:
    data = json.loads(squad.read_text(encoding="utf-8"))["data"]
    articles = [(a["title"].replace("_", " "), [p["context"] for p in a["paragraphs"][:8]]) for a in data]
    full = [f"{title}\n" + "\n".join(paras) for title, paras in articles]
    halves = [("\n".join(p[:len(p) // 2]), "\n".join(p[len(p) // 2:])) for _, p in articles if len(p) >= 4]
    return {
        "verbatim copy": [(t, t) for t in [SPUN, PLAIN, *full]],
        "new headline, a paragraph cut": [(t, edited(t, "Wire: " + t.splitlines()[0])) for t in [PLAIN, *full]],
        "machine-reworded copy (seed 000 vs its original)": [(SPUN, ORIGINAL)],
        "different stories, same topic (the seeds)": [(SPUN, PLAIN), (ORIGINAL, PLAIN)],
        "different passages of one article (SQuAD halves)": halves,
        "unrelated articles (SQuAD, other titles)": list(zip(full[: len(full) // 2], full[len(full) // 2:])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path,
                        default=ROOT.parent / "shared" / "benchmarks" / "squad" / "dev-v1.1.rebuilt.json")
    parser.add_argument("--shingle-words", type=int, help="compare another shingle size (default: the setting)")
    args = parser.parse_args()
    s = replace(SETTINGS.groups, shingle_words=args.shingle_words or SETTINGS.groups.shingle_words)
    print(f"{s.shingle_words}-word shingles, {s.num_perm} permutations; threshold {s.threshold}\n")
    print("| pair class | pairs | Jaccard min / mean / max | MinHash estimate min / max | grouped |")
    print("|---|---|---|---|---|")
    for name, pairs in pair_classes(args.squad).items():
        exact = [_jaccard(shingles(a, s.shingle_words), shingles(b, s.shingle_words)) for a, b in pairs]
        estimate = [similarity(signature(a, s), signature(b, s)) for a, b in pairs]
        grouped = sum(e >= s.threshold for e in estimate)
        print(f"| {name} | {len(pairs)} | {min(exact):.3f} / {np.mean(exact):.3f} / {max(exact):.3f} | "
              f"{min(estimate):.3f} / {max(estimate):.3f} | {grouped}/{len(pairs)} |")


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


if __name__ == "__main__":
    main()
