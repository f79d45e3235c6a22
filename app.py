"""Serve the UI, REST API and MCP: `python app.py [options]` is `qa serve [options]` (kept for `make run`)."""
import sys

from qa.serve.startup import main

if __name__ == "__main__":
    sys.exit(main())
