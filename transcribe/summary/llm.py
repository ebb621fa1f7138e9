"""An abstractive summary written by the operator's own LLM: any OpenAI-compatible HTTP endpoint on
their premises (vLLM, llama.cpp's server, Ollama, TGI). Off unless summary_llm_url is set; the
transcript sent is the redacted one, and nothing is sent anywhere else."""

from __future__ import annotations

from typing import Any

import httpx

from storage.records import Transcript

from ..errors import SummaryUnavailable
from ..settings import TranscribeSettings

MAX_PROMPT_CHARS = 24_000  # about 6,000 tokens: a long call is cut, not sent whole
MAX_SUMMARY_CHARS = 4_000
LANGUAGE_NAMES = {"he": "Hebrew", "ar": "Arabic", "en": "English"}


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def prompt(transcript: Transcript) -> list[dict[str, str]]:
    language = LANGUAGE_NAMES.get(transcript.language.split("-")[0], transcript.language)
    lines = "\n".join(f"[{_clock(s.start)}] {s.role}: {s.text}" for s in transcript.segments)
    return [
        {
            "role": "system",
            "content": (
                f"You summarise contact-centre calls. Write in {language}, at most five sentences: why the "
                "customer called, what the agent did or promised, whether it was resolved (and what shows it), "
                "and what is still to happen. Use only what the transcript says; quote times as [m:ss]."
            ),
        },
        {"role": "user", "content": lines[:MAX_PROMPT_CHARS]},
    ]


def abstractive_summary(transcript: Transcript, settings: TranscribeSettings) -> str:
    """The endpoint's summary of the call; SummaryUnavailable when it cannot give one."""
    if not settings.summary_llm_url:
        raise SummaryUnavailable("no summary_llm_url is configured")
    headers = {}
    if settings.summary_llm_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.summary_llm_api_key.get_secret_value()}"
    body: dict[str, Any] = {
        "model": settings.summary_llm_model,
        "messages": prompt(transcript),
        "temperature": 0,
        "max_tokens": 400,
    }
    url = settings.summary_llm_url.rstrip("/") + "/chat/completions"
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=settings.summary_llm_timeout_s)
        response.raise_for_status()
        text = response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise SummaryUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    if not isinstance(text, str) or not text.strip():
        raise SummaryUnavailable("the endpoint answered no text")
    return text.strip()[:MAX_SUMMARY_CHARS]
