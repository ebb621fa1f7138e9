"""Errors the worker raises: each says what went wrong and whether retrying can help."""


class AudioDecodeError(Exception):
    """The recording cannot be decoded; retrying will not help."""


class RuleError(Exception):
    """A rule file that cannot be used; the message says where and why."""


class ModelUnavailable(Exception):
    """The configured model cannot be loaded here."""


class SummaryUnavailable(Exception):
    """The operator's LLM endpoint failed or answered something that is not a summary; the call keeps
    its extractive summary."""
