"""A small pyannote.audio 4 speaker-diarization pipeline, saved the way pyannote.audio saves one, so the
tests can load it through the real `Pipeline.from_pretrained(local_dir)` path.

Its weights are untrained (no pretrained pyannote model can be obtained here): it tests the loading
and the plumbing, not diarization quality. The layout is that of pyannote/speaker-diarization-community-1:
config.yaml, segmentation/ and embedding/ (Lightning checkpoints named pytorch_model.bin), and plda/
(xvec_transform.npz, plda.npz).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

EMBEDDING_DIM = 512  # XVectorMFCC's; a small stand-in for the WeSpeaker ResNet of the hosted pipeline
LDA_DIM = 128


def _save(model, folder: Path) -> None:  # type: ignore[no-untyped-def]
    import lightning
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": lightning.__version__,
    }
    model.on_save_checkpoint(checkpoint)  # adds pyannote.audio's versions, architecture, specifications
    torch.save(checkpoint, folder / "pytorch_model.bin")


def build_pipeline(root: Path) -> Path:
    import pyannote.audio
    import torch
    import yaml
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import XVectorMFCC
    from pyannote.audio.models.segmentation import PyanNet

    torch.manual_seed(0)
    segmentation = PyanNet(
        sincnet={"stride": 10},
        lstm={"hidden_size": 32, "num_layers": 1, "bidirectional": True},
        linear={"hidden_size": 32, "num_layers": 1},
    )
    segmentation.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=5.0,
        classes=["speaker1", "speaker2", "speaker3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    segmentation.build()
    _save(segmentation, root / "segmentation")

    embedding = XVectorMFCC()
    embedding.specifications = Specifications(
        problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=5.0
    )
    _save(embedding, root / "embedding")

    rng = np.random.default_rng(0)
    (root / "plda").mkdir(parents=True, exist_ok=True)
    np.savez(
        root / "plda" / "xvec_transform.npz",
        mean1=np.zeros(EMBEDDING_DIM),
        mean2=np.zeros(LDA_DIM),
        lda=rng.standard_normal((EMBEDDING_DIM, LDA_DIM)) / np.sqrt(EMBEDDING_DIM),
    )
    np.savez(
        root / "plda" / "plda.npz",
        mu=np.zeros(LDA_DIM),
        tr=np.eye(LDA_DIM),
        psi=np.linspace(2.0, 0.1, LDA_DIM),
    )

    config = {
        "dependencies": {"pyannote.audio": pyannote.audio.__version__},
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {
                "segmentation": "$model/segmentation",
                "embedding": "$model/embedding",
                "plda": "$model/plda",
                "clustering": "VBxClustering",
                "segmentation_step": 0.5,
                "embedding_batch_size": 8,
                "segmentation_batch_size": 8,
            },
        },
        "params": {
            "segmentation": {"min_duration_off": 0.0},
            "clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8},
        },
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root
