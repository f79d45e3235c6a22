"""Cross-validate the confidence rule's feature sets on the calibration rows of eval/confidence_features.py.

    .venv/bin/python -m eval.confidence_cv /tmp/lc/conf-1500.json

Five folds, shuffled 10 times with a fixed seed: each fold is judged by `fit` on the other four, so a feature earns
its place by "none" rates on questions its fit did not see. Prints [seed answerable, seed off-topic, SQuAD
answerable, SQuAD off-topic] "none" rates for each feature set.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from eval.confidence_features import FEATURES, fit, group_rates, is_none, read_rows

FEATURE_SETS = (tuple(f for f in FEATURES if f != "peak"), FEATURES)


def cross_validate(rows: list[dict], features: tuple[str, ...], folds: int = 5, shuffles: int = 10) -> np.ndarray:
    """Mean held-out "none" rate per group over `shuffles` shuffles of `folds` folds."""
    rng, rates = np.random.default_rng(0), []
    for _ in range(shuffles):
        order = rng.permutation(len(rows))
        none = np.zeros(len(rows), dtype=bool)
        for fold in np.array_split(order, folds):
            held = set(fold.tolist())
            weights, odds = fit([rows[i] for i in order if i not in held], features)
            none[fold] = is_none([rows[i] for i in fold], weights, odds, features)
        rates.append(group_rates(rows, none))
    return np.round(np.mean(rates, axis=0), 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=Path, help="the --out file of eval/confidence_features.py")
    rows = read_rows(ap.parse_args().rows)
    for features in FEATURE_SETS:
        print(" + ".join(features), cross_validate(rows, features).tolist())


if __name__ == "__main__":
    main()
