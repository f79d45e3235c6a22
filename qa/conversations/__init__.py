"""Conversations kept on the server: a store beside the index, and their export as Markdown and JSON."""
