"""The weights of "high" (confidence.trust), written by `python -m eval.calibrate_confidence`: never hand-edit."""
# calibration: 1500 SQuAD dev questions outside the reported 2000 (1394 answered, right 0.798) and 500 asked without their paragraph (209 answered, 4 of them high)
# high right 0.955, covering 0.386
HIGH_WEIGHTS: tuple[tuple[str, float], ...] = (  # (feature, weight), records.Confidence.trust_features
    ("best_cosine", -3.1290),
    ("coverage", -0.3235),
    ("sentence_coverage", -1.3472),
    ("peak", 0.5417),
    ("answer_score", 0.1519),
    ("answer_margin", 0.3247),
    ("answer_cosine", 4.3425),
    ("answer_terms", 2.4421),
    ("kind_missing", -0.5412),
    ("dense_z", 0.0084),
    ("lexical_z", 0.3707),
    ("agree", -0.0831),
)
HIGH_INTERCEPT: float = -4.4970
HIGH_ODDS: float = 1.9747  # "high" at or above these log-odds
