"""Where the shared datasets live: read at test time, never copied into the repository.

``LUMI_SHARED_DATASETS`` names the folder explicitly; otherwise the ``shared/datasets``
folder next to the repository, then the workplace's ``/work/shared/datasets``.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def shared_datasets() -> Path:
    candidates = [
        Path(os.environ["LUMI_SHARED_DATASETS"]) if "LUMI_SHARED_DATASETS" in os.environ else None,
        _REPO.parent / "shared" / "datasets",
        Path("/work/shared/datasets"),
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    return _REPO.parent / "shared" / "datasets"


SHARED_DATASETS = shared_datasets()
