"""The knowledge base: articles and search, quick phrases, memos to the Monday meeting."""
