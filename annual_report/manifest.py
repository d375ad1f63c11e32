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

from .errors import InputError
from .outputs import atomic_write_bytes, sha256_file

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


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
    entries: dict[str, Entry] = field(default_factory=dict)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "version": MANIFEST_VERSION,
            "agencies": {name: asdict(e) for name, e in sorted(self.entries.items())},
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def manifest_path(out: Path) -> Path:
    return out / MANIFEST_NAME


def load_manifest(out: Path) -> Manifest:
    """The manifest of an output folder; empty when there is none yet."""
    path = manifest_path(out)
    if not path.exists():
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {name: Entry(**raw) for name, raw in data.get("agencies", {}).items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(
            f"生成记录 {path} 已损坏，无法读取。请把它改名备份后重新运行 build --force。"
        ) from exc
    return Manifest(entries)


def save_manifest(out: Path, manifest: Manifest) -> None:
    atomic_write_bytes(manifest_path(out), manifest.to_json().encode("utf-8"))
