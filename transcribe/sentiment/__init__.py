"""Sentiment of what each side says: a lexicon per language with negation, intensifiers and contrast,
offline; per segment, and per role over the call."""
