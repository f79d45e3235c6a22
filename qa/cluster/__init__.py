"""Work spread over a Ray cluster: `qa build --ray` (build.py); the optional `cluster` extra."""
