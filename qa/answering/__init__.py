"""Answer a question from a loaded generation: follow-ups, filters, retrieve and fuse, select excerpts, answer sentences."""
