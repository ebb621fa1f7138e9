"""Redaction, in one place: `pii` finds personal data in a transcript (`checks` validates numbers),
`call` replaces it in the text and covers it in the audio (`audio`) before anything is saved."""
