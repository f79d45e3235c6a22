"""The index on disk: SQLite store, FAISS and BM25 files per generation, the build, recovery, story groups."""
