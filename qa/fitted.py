"""The weights of "high" (confidence.trust), written by `python -m eval.calibrate_confidence`: never hand-edit."""
# calibration: 1500 SQuAD dev questions outside the reported 2000 (1387 answered, right 0.771)
# high right 0.951, covering 0.499
HIGH_WEIGHTS: tuple[tuple[str, float], ...] = (  # (feature, weight), records.Confidence.trust_features
    ("best_cosine", -1.1160),
    ("coverage", -2.3229),
    ("sentence_coverage", -1.9354),
    ("peak", -2.6056),
    ("answer_score", 1.3054),
    ("answer_margin", 4.7745),
    ("answer_cosine", -0.1827),
    ("answer_terms", 3.2414),
    ("kind_missing", -0.2925),
    ("dense_z", 0.2007),
    ("lexical_z", 0.2798),
    ("agree", 0.0045),
)
HIGH_INTERCEPT: float = -1.9741
HIGH_ODDS: float = 1.5168  # "high" at or above these log-odds
