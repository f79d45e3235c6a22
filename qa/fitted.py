"""The weights of "high" (confidence.trust), written by `python -m eval.calibrate_confidence`: never hand-edit."""
# calibration: 1500 SQuAD dev questions outside the reported 2000 (1394 answered, right 0.775)
# high right 0.950, covering 0.443
HIGH_WEIGHTS: tuple[tuple[str, float], ...] = (  # (feature, weight), records.Confidence.trust_features
    ("best_cosine", -3.9879),
    ("coverage", -2.2788),
    ("sentence_coverage", -3.1274),
    ("peak", -0.2995),
    ("answer_score", 0.6917),
    ("answer_margin", 2.9597),
    ("answer_cosine", 3.9384),
    ("answer_terms", 5.9232),
    ("kind_missing", -0.4449),
    ("dense_z", 0.0723),
    ("lexical_z", 0.2441),
    ("agree", 0.0933),
)
HIGH_INTERCEPT: float = -2.1162
HIGH_ODDS: float = 1.8246  # "high" at or above these log-odds
