"""The user's cache folder for this tool: records that only save work (no-change records, row
memos, file hashes, cleaned template parts). Deleting it costs one full run, nothing else."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "ANNUAL_REPORT_CACHE"  # where the records go, if set


def cache_folder() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("LOCALAPPDATA") if os.name == "nt" else os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "annual-report" / "builds"
