"""The build manifest: what was built for each agency, from which row and template.

``<out>/manifest.json`` is written atomically at the end of every build. ``build`` uses it to skip
unchanged agencies and to notice files changed by hand; ``send`` uses it to find each agency's
current, valid report.

Between two saves, every report is recorded the moment it lands, in a journal
(``<out>/.manifest-journal/<pid>.jsonl``, one per writing process, appended before the report is
renamed into place). A run killed by any signal, even ``kill -9``, so loses nothing:
:func:`load_manifest` reads the journal back, the next build saves it into the manifest and
removes it. A journal record counts only when the file still has the bytes it records.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, OutputError
from ..outputs import (
    AppendFile,
    atomic_write_bytes,
    ensure_inside,
    read_file_bytes,
    remove_inside,
    sha256_file,
)

MANIFEST_NAME = "manifest.json"
JOURNAL_DIR = ".manifest-journal"
MANIFEST_VERSION = 2  # 2: reports grouped by year, so one output folder serves many years
UNKNOWN_YEAR = "未知年度"


def year_key(year: int | None) -> str:
    """The year folder (and manifest group) of a report."""
    return str(year) if year else UNKNOWN_YEAR


@dataclass
class Entry:
    """One agency's built report. Paths are relative to the output folder, with ``/``."""

    agency: str
    year: int | None
    file: str
    sha256: str
    row_sha256: str
    template_sha256: str
    valid: bool  # built from a row without errors
    built_at: str  # ISO time of the build, for people; not part of the comparison
    pdf: str | None = None
    pdf_sha256: str | None = None
    edited_sha256: str | None = None  # the DOCX as changed by hand after the build, kept
    checker_sha256: str | None = None  # the checking code that found the row valid

    def as_dict(self) -> dict[str, Any]:
        """The fields for JSON (all plain values: no deep copy as ``dataclasses.asdict`` does)."""
        return {name: getattr(self, name) for name in _FIELD_NAMES}

    @property
    def current_sha256(self) -> str:
        """The SHA-256 the DOCX should have now: the hand-edited version if one was kept."""
        return self.edited_sha256 or self.sha256

    def path(self, out: Path) -> Path:
        return out / self.file

    def pdf_path(self, out: Path) -> Path | None:
        return out / self.pdf if self.pdf else None

    def file_intact(self, out: Path) -> bool:
        """The DOCX is there and unchanged since it was built."""
        return sha256_file(self.path(out)) == self.sha256

    def file_current(self, out: Path) -> bool:
        """The DOCX is there as built, or as edited by hand and kept by a later build."""
        return sha256_file(self.path(out)) == self.current_sha256


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Entry))
_SORTED_FIELDS = tuple(sorted(_FIELD_NAMES))
_encode_string = json.encoder.encode_basestring  # the C one, as dumps uses with ensure_ascii=False
_FIELDS_JSON = tuple((f"{_encode_string(name)}: ", name) for name in _SORTED_FIELDS)


def _value_json(value: str | int | bool | None) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is str:
        return _encode_string(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)  # not a field's kind: as dumps


def _entry_json(entry: Entry) -> str:
    """``json.dumps(entry.as_dict(), ensure_ascii=False, sort_keys=True)``, byte for byte."""
    return "{" + ", ".join([key + _value_json(getattr(entry, name))
                            for key, name in _FIELDS_JSON]) + "}"


def finished(entry: Entry, old: Entry | None) -> Entry:
    """``entry`` (just written) as the manifest keeps it: the PDF of ``old`` stays when it was
    made from these very bytes."""
    if old is not None and old.file == entry.file and old.sha256 == entry.sha256 and old.pdf:
        return dataclasses.replace(entry, pdf=old.pdf, pdf_sha256=old.pdf_sha256)
    return entry


@dataclass
class Manifest:
    """Every built report, by (year folder, agency)."""

    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)
    journaled: int = 0  # records taken from the journal of an interrupted run

    def get(self, agency: str, year: int | None) -> Entry | None:
        return self.entries.get((year_key(year), agency))

    def put(self, entry: Entry) -> None:
        self.entries[(year_key(entry.year), entry.agency)] = entry

    def to_json(self) -> str:
        """The manifest as JSON, sorted, one agency a line: readable and diffable. Each line is
        what ``json.dumps(entry, ensure_ascii=False, sort_keys=True)`` gives, put together from
        the C string encoder (``indent`` would fall back to the pure-Python encoder, and one
        ``dumps`` per entry sets the encoder up 10,000 times)."""
        encode = _encode_string
        groups: dict[str, list[str]] = {}
        for (year, agency), entry in sorted(self.entries.items()):
            groups.setdefault(year, []).append(f"  {encode(agency)}: {_entry_json(entry)}")
        years = [f" {encode(year)}: {{\n" + ",\n".join(lines) + "\n }"
                 for year, lines in groups.items()]
        body = "{\n" + ",\n".join(years) + "\n}" if years else "{}"
        return f'{{\n "reports": {body},\n "version": {MANIFEST_VERSION}\n}}\n'


def manifest_path(out: Path) -> Path:
    return out / MANIFEST_NAME


# --- reading, with every field checked ------------------------------------------------------------

_TEXT, _OPTIONAL_TEXT = "文字", "文字或 null"
_KINDS = {
    "agency": _TEXT, "year": "年份数字或 null", "file": "相对路径", "sha256": _TEXT,
    "row_sha256": _TEXT, "template_sha256": _TEXT, "valid": "true 或 false", "built_at": _TEXT,
    "pdf": "相对路径或 null", "pdf_sha256": _OPTIONAL_TEXT, "edited_sha256": _OPTIONAL_TEXT,
    "checker_sha256": _OPTIONAL_TEXT,
}
_REQUIRED = frozenset(f.name for f in dataclasses.fields(Entry) if f.default is dataclasses.MISSING)


def _relative(value: str) -> bool:
    """A path that stays inside the output folder: relative, no ``..``, no drive (no ``:`` at
    all: the file names this tool gives never have one)."""
    return bool(value) and not value.startswith("/") and "\\" not in value and ":" not in value \
        and ".." not in value.split("/")


_NONE = type(None)
_TYPES: dict[str, tuple[type, ...]] = {  # the exact types (a bool is no year, an int no text)
    key: (str, _NONE) if kind in (_OPTIONAL_TEXT, "相对路径或 null") else (str,)
    for key, kind in _KINDS.items()
}
_TYPES.update(year=(int, _NONE), valid=(bool,))
_PATHS = ("file", "pdf")


class _Bad(ValueError):
    """One entry of the manifest (or journal) does not have the fields it must have."""


_ALL_KEYS = frozenset(_KINDS)


def _valid(key: str, value: Any) -> bool:
    """Whether one field's value is of its kind (the rule both paths below apply)."""
    return (type(value) in _TYPES[key] and (key != "year" or value is None or 0 < value < 10_000)
            and (key not in _PATHS or value is None or _relative(value)))


_KIND_KEYS = tuple(_KINDS)
_USUAL_TYPES = frozenset(itertools.product(*(_TYPES[key] for key in _KIND_KEYS)))


def _entry(raw: Any, where: str) -> Entry:
    if type(raw) is dict and raw.keys() == _ALL_KEYS:  # the usual entry, checked at once
        types = tuple(map(type, map(raw.__getitem__, _KIND_KEYS)))
        year, pdf = raw["year"], raw["pdf"]
        if (types in _USUAL_TYPES and (year is None or 0 < year < 10_000)
                and _relative(raw["file"]) and (pdf is None or _relative(pdf))):
            return Entry(**raw)  # what the checks below find, field by field, for any other
    if type(raw) is not dict:
        raise _Bad(f"{where} 应为一组字段（{{ }}），实际是 {json.dumps(raw, ensure_ascii=False)[:40]}")
    for key in _TYPES:
        if key not in raw:
            if key in _REQUIRED:
                raise _Bad(f"{where} 缺少字段 {key}")
            continue
        if not _valid(key, raw[key]):
            shown = json.dumps(raw[key], ensure_ascii=False)[:60]
            raise _Bad(f"{where} 的 {key} 应为{_KINDS[key]}，实际是 {shown}")
    return Entry(**{key: raw[key] for key in _KINDS if key in raw})


def _raw_entries(data: Any) -> list[tuple[str, Any]]:
    """(where, raw entry) of a manifest's data, version 2 (by year) or 1 (one group)."""
    if not isinstance(data, dict):
        raise _Bad("内容应为一组字段（{ }）")
    groups = data["reports"] if "reports" in data else {"": data.get("agencies", {})}
    if not isinstance(groups, dict):
        raise _Bad("reports 应为按年度分组的字段")
    found = []
    for year, group in groups.items():
        if not isinstance(group, dict):
            raise _Bad(f"年度 {year} 应为按机关分组的字段")
        found += [(f"「{agency}」（{year or '未分年度'}）", raw) for agency, raw in group.items()]
    return found


def load_manifest(out: Path) -> Manifest:
    """The manifest of an output folder, with the journal of an interrupted run applied; empty
    when there is none yet. :class:`InputError` in Chinese when it cannot be used."""
    path = ensure_inside(out, manifest_path(out))  # a link leading out is not ours to read
    data = read_file_bytes(path)
    manifest = Manifest()
    if data is not None:
        try:
            parsed = json.loads(data.decode("utf-8-sig"))  # a BOM left by Notepad is fine
            for where, raw in _raw_entries(parsed):
                manifest.put(_entry(raw, where))
        except (ValueError, RecursionError) as exc:
            detail = f"：{exc}" if isinstance(exc, _Bad) else "（不是完整的 JSON）"
            raise InputError(
                f"生成记录 {path} 已损坏，无法读取{detail}。请把它改名备份后重新运行 build"
                "（已生成的相同文件会被自动认回）。"
            ) from exc
    apply_journal(out, manifest)
    return manifest


def manifest_state(out: Path) -> tuple[int, int, int] | None:
    """What the manifest file is now (inode, size, modification time; zeros when there is
    none), to tell that a manifest loaded earlier is still the one on disk; None when a journal
    is waiting (then load again)."""
    if journal_files(out):
        return None
    try:
        status = os.stat(manifest_path(out))
    except FileNotFoundError:
        return (0, 0, 0)
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def save_manifest(out: Path, manifest: Manifest) -> None:
    atomic_write_bytes(manifest_path(out), manifest.to_json().encode("utf-8"), root=out)


# --- the journal --------------------------------------------------------------------------------


def journal_files(out: Path) -> list[Path]:
    folder = out / JOURNAL_DIR
    ensure_inside(out, folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and not p.is_symlink())


def apply_journal(out: Path, manifest: Manifest,
                  known: Collection[tuple[str, str, str]] = (),
                  applied: list[Entry] | None = None) -> int:
    """Put the journal's records into ``manifest`` where the file still has the recorded bytes;
    records in ``known`` ((year folder, agency, sha256) already put) are passed over unread.
    Returns how many records were put (and lists them in ``applied`` when given)."""
    count = 0
    for journal in journal_files(out):
        try:
            text = (read_file_bytes(journal) or b"").decode("utf-8", "replace")
        except OutputError:
            continue  # a journal is scratch: what cannot be read is built again
        for line in text.splitlines():
            try:
                raw = json.loads(line) if line.strip() else None
                if type(raw) is not dict or (
                        year_key(raw.get("year")), raw.get("agency"), raw.get("sha256")) in known:
                    continue
                entry = _entry(raw, "journal")
            except (ValueError, TypeError):
                continue  # the line a full disk or a kill tore
            try:
                if sha256_file(out / entry.file) != entry.sha256:
                    continue  # killed before the rename, or changed since
            except OutputError:
                continue  # build says what is wrong with that file when it gets there
            manifest.put(finished(entry, manifest.get(entry.agency, entry.year)))
            manifest.journaled += 1
            count += 1
            if applied is not None:
                applied.append(entry)
    return count


def clear_journal(out: Path) -> None:
    """Remove the journal once the manifest holds everything it recorded."""
    for journal in journal_files(out):
        remove_inside(out, journal)
    try:
        (out / JOURNAL_DIR).rmdir()
    except OSError:
        pass  # not there, or something else left in it: harmless


class Journal:
    """The journal of this process: :meth:`record` appends one report's entry."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._file: AppendFile | None = None
        self._pid = 0

    def record(self, entry: Entry) -> None:
        if self._file is None or self._pid != os.getpid():  # opened anew in a forked worker
            self._pid = os.getpid()
            self._file = AppendFile(self.out / JOURNAL_DIR / f"{self._pid}.jsonl", root=self.out)
        # One write, no fsync: once write() returns the kernel has the record, and no kill of
        # this process can lose it. An fsync per report would guard against a power cut only,
        # which the reports themselves (renamed into place without one) are not guarded against
        # either, and it costs more than rendering the report (1–7 ms a call on a busy disk).
        self._file.append(json.dumps(entry.as_dict(), ensure_ascii=False).encode("utf-8"),
                          sync=False)

    def close(self) -> None:
        if self._file is not None and self._pid == os.getpid():
            self._file.close()
        self._file = None
