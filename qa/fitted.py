"""The weights of "high" (confidence.trust), written by `python -m eval.calibrate_confidence`: never hand-edit."""
# calibration: 1500 SQuAD dev questions outside the reported 2000 (1394 answered, right 0.798)
# high right 0.950, covering 0.456
HIGH_WEIGHTS: tuple[tuple[str, float], ...] = (  # (feature, weight), records.Confidence.trust_features
    ("best_cosine", -4.8309),
    ("coverage", -1.7014),
    ("sentence_coverage", -1.2015),
    ("peak", -0.4288),
    ("answer_score", 0.1582),
    ("answer_margin", 0.3615),
    ("answer_cosine", 3.6011),
    ("answer_terms", 1.9880),
    ("kind_missing", -0.3087),
    ("dense_z", 0.0808),
    ("lexical_z", 0.3324),
    ("agree", 0.0577),
)
HIGH_INTERCEPT: float = -1.5756
HIGH_ODDS: float = 1.8843  # "high" at or above these log-odds
