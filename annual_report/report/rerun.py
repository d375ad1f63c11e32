"""A re-run with nothing changed, answered without reading the workbook again.

After a build, a record (in the user's cache folder, one per output folder: nothing is added to
the output folder itself) keeps what the build was made from (the *key*: the workbook's bytes,
the template, the package's code, last year's workbook and every option that changes the
outcome), what the output folder held when it ended (size, modification and change times to the
nanosecond, and inode of the manifest and of every file it lists; and the bytes' hash of those
changed just before: see :data:`RACY_NS`) and the outcome as a re-run would see
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
import marshal
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks.verdict import CheckReport
from ..errors import OutputError
from ..outputs import atomic_write_bytes, sha256_file, sources_sha256
from .cachedir import cache_folder
from .manifest import Manifest, journal_files, manifest_path
from .outcome import BuildResult, Outcome

STATE_VERSION = 2  # 2: change time, inode and the hashes of files recorded racily
PACKAGE = Path(__file__).resolve().parent.parent
_CHUNK = 1 << 20


def _hash_file(digest: Any, path: Path) -> None:
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)


def code_sha256() -> str:
    """Every module of the package: a change to any of them takes the full path once."""
    return sources_sha256(PACKAGE, sorted(PACKAGE.rglob("*.py")))


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


def file_state(path: Path | str) -> list[int] | None:
    """A file's state: size, modification and change times, inode (a change keeps none of them
    all, unless it falls in the same tick of the clock: see :data:`RACY_NS`)."""
    try:
        return state_of(os.stat(path))
    except OSError:
        return None


def state_of(status: os.stat_result) -> list[int]:
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]


# A file recorded less than this after its last change may have changed again within the same
# tick of a coarse clock (FAT keeps two seconds) without its times showing it: its bytes are
# compared then, not its state.
RACY_NS = 3_000_000_000


def racy(state: list[int], recorded_at: int) -> bool:
    return recorded_at - max(state[1], state[2]) <= RACY_NS


@dataclass(frozen=True)
class Recorded:
    """The outcome of the last build as a re-run sees it: category -> [[agency, file, message]]."""

    outcomes: dict[str, list[list[str | None]]]
    notes: list[str]  # the check's notes about the workbook as a whole


def state_path(out: Path) -> Path:
    """The record of an output folder (named by the folder's absolute path)."""
    name = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:32]
    return cache_folder() / f"{name}.state"


def memo_path(out: Path) -> Path:
    """The memo of the rows last read into an output folder (see workbook/memo.py)."""
    return state_path(out).with_suffix(".rows")


def forget(out: Path) -> None:
    """Remove the record (before a build changes anything in the folder)."""
    with contextlib.suppress(OSError):
        state_path(out).unlink()
    with contextlib.suppress(OSError):  # as earlier versions named it (JSON)
        state_path(out).with_suffix(".json").unlink()


def record(out: Path, key: str, files: dict[str, str | None], recorded: Recorded) -> None:
    """Record a finished build: its key, the state of ``files`` (relative to ``out``: name ->
    the SHA-256 it should have, if known) and of the manifest, and its outcome."""
    manifest, folder = manifest_path(out), os.fspath(out)
    names = {**files, MANIFEST_KEY: sha256_file(manifest)}
    data = {"version": STATE_VERSION, "key": key, "at": time.time_ns(),
            "files": {name: [file_state(manifest if name == MANIFEST_KEY
                                        else os.path.join(folder, name)), sha]
                      for name, sha in names.items()},
            "outcomes": recorded.outcomes, "notes": recorded.notes}
    _write(out, data)


def _write(out: Path, data: dict[str, Any]) -> None:
    path = state_path(out)
    with contextlib.suppress(OSError, OutputError):  # no cache folder: no shortcut, that is all
        path.parent.mkdir(parents=True, exist_ok=True)
        # marshal: the fastest to write and read for plain lists and dicts (this record is ours
        # alone; one written by another Python version reads as no record: the full path)
        atomic_write_bytes(path, marshal.dumps(data))


MANIFEST_KEY = ":manifest"  # no file the manifest lists has a colon in its name


def replay(out: Path, key: str) -> Recorded | None:
    """The recorded outcome, if the key is the same and nothing recorded has changed since."""
    try:
        started = time.time_ns()  # before any file's state is taken
        data = marshal.loads(state_path(out).read_bytes())
        if data.get("version") != STATE_VERSION or data.get("key") != key:
            return None
        folder, at = os.fspath(out), int(data["at"])
        compared = False  # a file's bytes were compared: its state alone could not tell
        for name, (state, sha) in data["files"].items():
            path = manifest_path(out) if name == MANIFEST_KEY else os.path.join(folder, name)
            if state is None or file_state(path) != state:
                return None
            if racy(state, at):
                if sha is None or sha256_file(Path(path)) != sha:
                    return None
                compared = True
        if journal_files(out):  # an interrupted run's reports wait to be taken in
            return None
        if compared:
            # Every file is as recorded, its bytes too where they were compared: recorded anew
            # as of ``started``, so that the next run compares only what is still within the
            # window then (the last ~3 s of a large build were read again on every re-run).
            _write(out, {**data, "at": started})
        return Recorded(data["outcomes"], list(data["notes"]))
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError, OutputError):
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
    files: dict[str, str | None] = {}
    for e in manifest.entries.values():
        files[e.file] = e.current_sha256
        if e.pdf:
            files[e.pdf] = e.pdf_sha256
    files.update((o.file.relative_to(out).as_posix(), None) for o in result.conflicts
                 if o.file is not None and o.file.is_relative_to(out))
    record(out, key, files, Recorded(outcomes, result.check_notes))


def replayed(recorded: Recorded, read: Callable[[], CheckReport]) -> BuildResult:
    """The recorded outcome as a :class:`BuildResult`; its check report is read when asked."""
    result = BuildResult(read, check_notes=recorded.notes, replayed=True)
    for name, items in recorded.outcomes.items():
        getattr(result, name).extend(Outcome(str(agency), Path(file) if file else None,
                                             message or "") for agency, file, message in items)
    return result
