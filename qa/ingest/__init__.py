"""Find and read the collection: scan folders, read txt/md/html/pdf with their metadata, fetch a page, save uploads, watch folders, split into passages."""
