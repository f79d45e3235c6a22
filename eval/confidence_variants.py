"""Other feature sets for the confidence rule, fitted like the engine's (eval/confidence_features.py `fit`).

    .venv/bin/python eval/confidence_variants.py /tmp/conf-features-cal.json /tmp/conf-features-test.json

Reads signal files eval/confidence_features.py wrote before issue 20 (calibration, then held out: they also hold
the candidates' `dense` cosines, `lex` and `qidf`, which it no longer writes since it reads the recorded features;
the decision these variants measured is in docs/quality.md), adds three signals
derived from them (the margin between the first and fifth candidate's cosine, the top cosine's z-score among the
candidates, the best BM25 score over the question's idf sum), fits each feature set on the calibration rows and
prints the none rates [seed answerable, seed off-topic, SQuAD answerable, SQuAD off-topic] on both files.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np  # noqa: E402

from confidence_features import fit, none_rates  # noqa: E402

SETS = [("cos", "cov", "scov", "scos"), ("cos", "cov", "scov", "scos", "m5"), ("cos", "cov", "scov", "scos", "z"),
        ("cos", "cov", "scov", "scos", "lexn"), ("cos", "cov", "scov", "scos", "m5", "lexn"), ("scos", "scov", "m5"),
        ("cos", "cov"), ("cos", "cov", "scov")]


def derived(rows: list[dict]) -> list[dict]:
    """The rows with m5, z and lexn added."""
    for r in rows:
        d = np.sort(np.asarray(r["dense"]))[::-1]
        r["m5"] = float(d[0] - d[min(4, len(d) - 1)])
        r["z"] = float((d[0] - d.mean()) / (d.std() + 1e-6))
        r["lexn"] = r["lex"] / r["qidf"] if r["qidf"] else 0.0
    return rows


def main() -> None:
    cal, held = (derived(json.loads(Path(p).read_text())) for p in sys.argv[1:3])
    for features in SETS:
        weights, odds = fit(cal, features)
        print(f"{' + '.join(features)}: bars {odds}; calibration {none_rates(cal, weights, odds, features)}, "
              f"held out {none_rates(held, weights, odds, features)}")


if __name__ == "__main__":
    main()
