"""Start the chat UI (placeholder until the UI lands): builds the seed index if needed, then serves."""
import sys

from qa.cli import main

if __name__ == "__main__":
    sys.exit(main(["ask", " ".join(sys.argv[1:]) or "What did Beijing submit to the narcotics board?"]))
