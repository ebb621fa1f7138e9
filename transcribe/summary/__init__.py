"""Call summaries: extractive and offline by default, or written by an operator's own LLM endpoint."""
