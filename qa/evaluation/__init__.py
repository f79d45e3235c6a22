"""Measure answer quality (`qa eval`): read benchmark question sets and score answers from the engine."""
