"""Speed measurements of qa, run as modules from the checkout: `python -m benchmarks.speed` (`make bench`)."""
