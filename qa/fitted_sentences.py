"""The answer step's sentence ranker weights (qa/answering/ranker.py), written by `python -m eval.fit_sentence_ranker`: never hand-edit."""
# fitted on 1500 SQuAD dev calibration questions: first sentence right 0.741 (5-fold 0.741)
SENTENCE_WEIGHTS: tuple[tuple[str, float], ...] = (  # (feature, weight), ranker.FEATURES
    ("terms", 0.5989),
    ("cosine", 14.2002),
    ("relation", 1.8129),
    ("kind", 1.7429),
    ("heading", -7.6151),
    ("local_terms", 8.0481),
    ("previous_local_terms", 2.8147),
)
