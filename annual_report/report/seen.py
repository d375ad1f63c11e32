"""The SHA-256 of an output folder's files as last computed, so an unchanged file is not read
and hashed again on every build.

The record (in the user's cache folder, beside the no-change record of :mod:`.rerun`) keeps for
each file its size, modification and change times (to the nanosecond) and inode when it was
hashed. A file whose state is the same is taken to hold the same bytes — as ``git status`` does —
except when it was recorded less than :data:`~.rerun.RACY_NS` after its last change: a change within the
same tick of a coarse clock (FAT keeps two seconds) would not show, so such a file is hashed
again. A record that cannot be read or written costs only the shortcut.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..outputs import atomic_write_bytes, sha256_file
from .rerun import racy, state_of, state_path

_VERSION = 2


def seen_path(out: Path) -> Path:
    return state_path(out).with_suffix(".seen")


class SeenFiles:
    """Hashes of one output folder's files, by path relative to it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.entries: dict[str, list[Any]] = {}
        self.changed = False
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            data = json.loads(seen_path(out).read_bytes())
            if data.get("version") == _VERSION and isinstance(data.get("files"), dict):
                self.entries = data["files"]

    def sha256(self, rel: str, path: Path) -> str | None:
        """The file's SHA-256 (None when there is none), read only when it may have changed."""
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return None
        except OSError:
            return sha256_file(path)  # says what is wrong
        if not stat.S_ISREG(status.st_mode):
            return sha256_file(path)
        state = state_of(status)
        known = self.entries.get(rel)
        if (isinstance(known, list) and len(known) == 3 and known[0] == state
                and isinstance(known[1], str) and isinstance(known[2], int)
                and not racy(state, known[2])):
            return known[1]
        digest = sha256_file(path)
        if digest is not None:
            self.entries[rel] = [state, digest, time.time_ns()]
            self.changed = True
        return digest

    def save(self) -> None:
        if not self.changed:
            return
        data = json.dumps({"version": _VERSION, "files": self.entries}, ensure_ascii=False)
        with contextlib.suppress(OSError, OutputError):
            path = seen_path(self.out)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data.encode("utf-8"))
