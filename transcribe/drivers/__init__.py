"""Call drivers: why customers call, named by operators (phrases) or discovered (recurring themes)."""
