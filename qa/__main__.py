"""`python -m qa ...`: the same as the `qa` command."""
import sys

from .cli import main

sys.exit(main())
