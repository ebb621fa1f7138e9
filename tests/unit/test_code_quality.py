"""ruff and mypy, as configured in pyproject.toml, stay clean."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "recorder", "transcribe", "api", "storage", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_mypy_is_clean():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_only_storage_speaks_to_the_database_and_modules_stay_small():
    """SQLAlchemy stays inside storage/ (the others name storage.database's Session and errors), and
    no module outside the migrations grows past 450 lines."""
    import re

    importing = [
        path.relative_to(ROOT).as_posix()
        for package in ("recorder", "transcribe", "api")
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"^\s*(from|import) sqlalchemy", path.read_text(encoding="utf-8"), re.M)
    ]
    assert importing == [], importing
    long = {
        path.relative_to(ROOT).as_posix(): n
        for package in ("recorder", "transcribe", "api", "storage")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert long == {}, long


def test_job_names_resolve_to_the_worker_functions():
    """Jobs are enqueued by name (the API does not import the worker's models): a rename must fail here,
    not at the first upload."""
    import importlib

    from recorder import queue

    for name in (queue.PROCESS_CALL, queue.ENROL_AGENT, queue.ON_FAILURE):
        module, _, function = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), function, None)), name


def test_the_job_reads_top_down():
    """process_call stays the short shell that reads, runs the pipeline and saves (issue 16)."""
    import inspect

    from transcribe.jobs import process_call

    assert len(inspect.getsource(process_call).splitlines()) <= 40


def test_the_pure_steps_import_no_speech_engine():
    """Assembly, speakers, roles, repetition and partial transcripts are plain Python over records."""
    code = (
        "import sys\n"
        "import transcribe.assemble, transcribe.speakers, transcribe.roles, transcribe.repetition\n"
        "import transcribe.partial, transcribe.analyse\n"
        "print(sorted(m for m in ('faster_whisper', 'ctranslate2', 'torch', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
