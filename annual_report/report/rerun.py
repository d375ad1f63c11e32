"""A re-run with nothing changed, answered without reading the workbook again.

After a build, ``<out>/.last-build.json`` records what the build was made from (the *key*: the
workbook's bytes, the template, the package's code, last year's workbook and every option that
changes the outcome), what the output folder held when it ended (size and modification time of
the manifest and of every file it lists) and the outcome as a re-run would see it. The next
``build`` computes the key first (hashing files is ~50× faster than reading the workbook); if it
is the same and no recorded file was touched since, the recorded outcome is the answer.

Anything else (a changed byte anywhere in the workbook, template or code, ``--force``, a report
edited, deleted or added by hand, a journal left by an interrupted run) takes the full path, which
removes the record before it writes anything and records afresh when it ends.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..outputs import atomic_write_bytes

STATE_NAME = ".last-build.json"
STATE_VERSION = 1
PACKAGE = Path(__file__).resolve().parent.parent
_CHUNK = 1 << 20


def _hash_file(digest: Any, path: Path) -> None:
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)


def code_sha256() -> str:
    """Every module of the package: a change to any of them takes the full path once."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        _hash_file(digest, path)
    return digest.hexdigest()


def run_key(workbook: Path, template_hash: str, previous: Path | None, options: Iterable[Any]) -> str:
    """The identity of a build's inputs: the workbook's and last year's bytes, the template, the
    code, and the options (as their ``repr``)."""
    digest = hashlib.sha256()
    for part in (f"v{STATE_VERSION}", template_hash, code_sha256(), repr(list(options))):
        digest.update(part.encode("utf-8") + b"\0")
    for path in (workbook, previous):
        if path is not None:
            _hash_file(digest, path)
        digest.update(b"\0file\0")
    return digest.hexdigest()


def _stat(path: Path) -> list[int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns]


@dataclass(frozen=True)
class Recorded:
    """The outcome of the last build as a re-run sees it: category -> [[agency, file, message]]."""

    outcomes: dict[str, list[list[str | None]]]
    notes: list[str]  # the check's notes about the workbook as a whole


def state_path(out: Path) -> Path:
    return out / STATE_NAME


def forget(out: Path) -> None:
    """Remove the record (before a build changes anything in the folder)."""
    try:
        state_path(out).unlink()
    except FileNotFoundError:
        pass


def record(out: Path, key: str, files: Iterable[str], recorded: Recorded,
           watched: Iterable[Path]) -> None:
    """Record a finished build: its key, the state of ``files`` (relative to ``out``) and of
    ``watched`` (the manifest), and its outcome."""
    stats = {name: _stat(out / name) for name in files}
    data = {"version": STATE_VERSION, "key": key, "files": stats,
            "watched": {str(p): _stat(p) for p in watched},
            "outcomes": recorded.outcomes, "notes": recorded.notes}
    atomic_write_bytes(state_path(out), json.dumps(data, ensure_ascii=False).encode("utf-8"))


def replay(out: Path, key: str) -> Recorded | None:
    """The recorded outcome, if the key is the same and nothing recorded has changed since."""
    try:
        data = json.loads(state_path(out).read_bytes())
        if data.get("version") != STATE_VERSION or data.get("key") != key:
            return None
        for name, stat in data["files"].items():
            if stat is None or _stat(out / name) != stat:
                return None
        for name, stat in data["watched"].items():
            if _stat(Path(name)) != stat:
                return None
        return Recorded(data["outcomes"], list(data["notes"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no record, or not one this code can read: the full path
