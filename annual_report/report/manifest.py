"""The build manifest: what was built for each agency, from which row and template.

``<out>/manifest.json`` is written atomically after every build. ``build`` uses it to skip
unchanged agencies and to notice files changed by hand; ``send`` uses it to find each agency's
current, valid report.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..outputs import atomic_write_bytes, sha256_file

MANIFEST_NAME = "manifest.json"
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


@dataclass
class Manifest:
    """Every built report, by (year folder, agency)."""

    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)

    def get(self, agency: str, year: int | None) -> Entry | None:
        return self.entries.get((year_key(year), agency))

    def put(self, entry: Entry) -> None:
        self.entries[(year_key(entry.year), entry.agency)] = entry

    def to_json(self) -> str:
        reports: dict[str, dict[str, Any]] = {}
        for (year, agency), entry in sorted(self.entries.items()):
            reports.setdefault(year, {})[agency] = asdict(entry)
        data: dict[str, Any] = {"version": MANIFEST_VERSION, "reports": reports}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def manifest_path(out: Path) -> Path:
    return out / MANIFEST_NAME


def load_manifest(out: Path) -> Manifest:
    """The manifest of an output folder; empty when there is none yet."""
    path = manifest_path(out)
    if not path.exists():
        return Manifest()
    manifest = Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if "reports" in data:
            raws = [raw for group in data["reports"].values() for raw in group.values()]
        else:  # version 1: one group keyed by agency
            raws = list(data.get("agencies", {}).values())
        for raw in raws:
            manifest.put(Entry(**raw))
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(
            f"生成记录 {path} 已损坏，无法读取。请把它改名备份后重新运行 build（已生成的相同文件会被"
            "自动认回）。"
        ) from exc
    return manifest


def save_manifest(out: Path, manifest: Manifest) -> None:
    atomic_write_bytes(manifest_path(out), manifest.to_json().encode("utf-8"))
