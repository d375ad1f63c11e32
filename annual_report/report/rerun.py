"""A re-run with nothing changed, answered without reading the workbook again.

After a build, a record (in the user's cache folder, one per output folder: nothing is added to
the output folder itself) keeps what the build was made from (the *key*: the workbook's bytes,
the template, the package's code, last year's workbook and every option that changes the
outcome), what the output folder held when it ended (size and modification time, to the
nanosecond, of the manifest and of every file it lists) and the outcome as a re-run would see
it. The next ``build`` computes the key first (hashing the files is far cheaper than reading the
workbook); if it is the same and no recorded file was touched since, the recorded outcome is the
answer.

Anything else (a changed byte anywhere in the workbook, template or code, ``--force``, a report
edited, deleted or added by hand, a journal left by an interrupted run) takes the full path, which
removes the record before it writes anything and records afresh when it ends. A cache folder that
cannot be written only costs the shortcut.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks.verdict import CheckReport
from ..errors import OutputError
from ..outputs import atomic_write_bytes
from .manifest import JOURNAL_DIR, Manifest, manifest_path
from .outcome import BuildResult, Outcome

STATE_VERSION = 1
CACHE_ENV = "ANNUAL_REPORT_CACHE"  # where the records go, if set
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


def run_key(files: Iterable[Path | None], parts: Iterable[str]) -> str | None:
    """The identity of a build's inputs: the bytes of ``files`` (the workbook, last year's) and
    ``parts`` (the template's and the code's hashes, the options); None when a file cannot be
    read (the full path then says why)."""
    digest = hashlib.sha256(f"v{STATE_VERSION}\0".encode())
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    try:
        for path in files:
            if path is not None:
                _hash_file(digest, path)
            digest.update(b"\0file\0")
    except OSError:
        return None
    return digest.hexdigest()


def _stat(path: Path | str) -> list[int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns]


@dataclass(frozen=True)
class Recorded:
    """The outcome of the last build as a re-run sees it: category -> [[agency, file, message]]."""

    outcomes: dict[str, list[list[str | None]]]
    notes: list[str]  # the check's notes about the workbook as a whole


def cache_folder() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("LOCALAPPDATA") if os.name == "nt" else os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "annual-report" / "builds"


def state_path(out: Path) -> Path:
    """The record of an output folder (named by the folder's absolute path)."""
    name = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:32]
    return cache_folder() / f"{name}.json"


def memo_path(out: Path) -> Path:
    """The memo of the rows last read into an output folder (see workbook/memo.py)."""
    return state_path(out).with_suffix(".rows")


def forget(out: Path) -> None:
    """Remove the record (before a build changes anything in the folder)."""
    with contextlib.suppress(OSError):
        state_path(out).unlink()


def record(out: Path, key: str, files: Iterable[str], recorded: Recorded,
           watched: Iterable[Path]) -> None:
    """Record a finished build: its key, the state of ``files`` (relative to ``out``) and of
    ``watched`` (the manifest), and its outcome."""
    stats = {name: _stat(out / name) for name in files}
    data = {"version": STATE_VERSION, "key": key, "files": stats,
            "watched": {str(p): _stat(p) for p in watched},
            "outcomes": recorded.outcomes, "notes": recorded.notes}
    path = state_path(out)
    with contextlib.suppress(OSError, OutputError):  # no cache folder: no shortcut, that is all
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def replay(out: Path, key: str) -> Recorded | None:
    """The recorded outcome, if the key is the same and nothing recorded has changed since."""
    try:
        data = json.loads(state_path(out).read_bytes())
        if data.get("version") != STATE_VERSION or data.get("key") != key:
            return None
        folder = os.fspath(out)
        for name, stat in data["files"].items():
            if stat is None or _stat(os.path.join(folder, name)) != stat:
                return None
        for name, stat in data["watched"].items():
            if _stat(Path(name)) != stat:
                return None
        return Recorded(data["outcomes"], list(data["notes"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no record, or not one this code can read: the full path


def remember(out: Path, key: str | None, result: BuildResult, manifest: Manifest) -> None:
    """Record a build's outcome as a re-run with nothing changed finds it: what was built is
    then skipped; refusals, hand edits kept, stale files and rows with errors stay as they were."""
    if key is None:
        return

    def rows(items: list[Outcome], plain: bool = False) -> list[list[str | None]]:
        return [[o.agency, str(o.file) if o.file else None, "" if plain else o.message]
                for o in items]

    outcomes = {"skipped": rows(result.built + result.skipped, plain=True)}
    for name in ("invalid", "conflicts", "kept", "stale"):
        outcomes[name] = rows(getattr(result, name))
    files = [name for e in manifest.entries.values() for name in (e.file, e.pdf) if name]
    files += [o.file.relative_to(out).as_posix() for o in result.conflicts
              if o.file is not None and o.file.is_relative_to(out)]
    record(out, key, files, Recorded(outcomes, result.check_notes),
           (manifest_path(out), out / JOURNAL_DIR))


def replayed(recorded: Recorded, read: Callable[[], CheckReport]) -> BuildResult:
    """The recorded outcome as a :class:`BuildResult`; its check report is read when asked."""
    result = BuildResult(read, check_notes=recorded.notes, replayed=True)
    for name, items in recorded.outcomes.items():
        getattr(result, name).extend(Outcome(str(agency), Path(file) if file else None,
                                             message or "") for agency, file, message in items)
    return result
