"""Rules are data: YAML packs loaded and validated here, evaluated on a transcript and its metrics."""
