"""The manifest's journal: every report recorded as it lands, read back after an interruption.

These tests write journals as a killed run leaves them (whole records, a torn last line, a record
whose rename never happened) and check what `load_manifest` and the next `build` make of them.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from annual_report.format.synthetic import district_records
from annual_report.outputs import sha256_file
from annual_report.report.build import DEFAULT_TEMPLATE, BuildOptions, build_reports
from annual_report.report.manifest import JOURNAL_DIR, Journal, load_manifest
from annual_report.workbook.blank import write_workbook


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    workbook = write_workbook(tmp_path / "w.xlsx", district_records(4))
    out = tmp_path / "out"
    assert len(build_reports(workbook, BuildOptions(out=out)).built) == 4
    return workbook, out


def test_a_record_counts_only_when_the_file_has_its_bytes(built: tuple[Path, Path]) -> None:
    _workbook, out = built
    manifest = load_manifest(out)
    first, second, third, *_ = sorted(manifest.entries.values(), key=lambda e: e.agency)
    (out / first.file).write_bytes(b"PK new bytes")  # renamed into place, then killed
    journal = Journal(out)
    journal.record(dataclasses.replace(first, sha256=sha256_file(out / first.file) or "",
                                       row_sha256="new row"))
    journal.record(dataclasses.replace(second, sha256="0" * 64, row_sha256="never renamed"))
    journal.record(dataclasses.replace(third, file="../outside.docx", row_sha256="hostile"))
    journal.close()
    with (out / JOURNAL_DIR).joinpath("999.jsonl").open("ab") as torn:  # a kill mid-line
        torn.write(b'\n{"agency": "x", "ye')
    again = load_manifest(out)
    assert again.journaled == 1
    assert again.get(first.agency, first.year).row_sha256 == "new row"  # type: ignore[union-attr]
    assert again.get(second.agency, second.year) == second
    assert again.get(third.agency, third.year) == third


def test_the_next_build_takes_the_journal_into_the_manifest(built: tuple[Path, Path]) -> None:
    workbook, out = built
    manifest = load_manifest(out)
    entry = min(manifest.entries.values(), key=lambda e: e.agency)
    original = (out / entry.file).read_bytes()
    Journal(out).record(dataclasses.replace(entry, built_at="interrupted run"))
    result = build_reports(workbook, BuildOptions(out=out))
    assert result.exit_code == 0 and len(result.skipped) == 4 and not result.conflicts
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    assert data[str(entry.year)][entry.agency]["built_at"] == "interrupted run"
    assert not (out / JOURNAL_DIR).exists()
    assert (out / entry.file).read_bytes() == original


def test_a_file_with_exactly_the_bytes_of_this_build_is_adopted_not_refused(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """The safety net under the journal: a report the manifest does not know, but byte for byte
    the one this build would write, was written by this tool (no hand edit makes those bytes)."""
    workbook, out = built
    new = tmp_path / "new.docx"
    with zipfile.ZipFile(DEFAULT_TEMPLATE) as zin, zipfile.ZipFile(new, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{ agency }}", b"{{ agency }}\xef\xbc\x88\xe6\x96\xb0\xef\xbc\x89", 1)
            zout.writestr(info, data)
    elsewhere = tmp_path / "elsewhere"
    build_reports(workbook, BuildOptions(out=elsewhere, template=new))
    entry = min(load_manifest(out).entries.values(), key=lambda e: e.agency)
    shutil.copy(elsewhere / entry.file, out / entry.file)  # as a run killed unrecorded left it
    result = build_reports(workbook, BuildOptions(out=out, template=new))
    assert result.conflicts == [] and len(result.built) == 4 and result.exit_code == 0
    assert [o.message for o in result.built if o.agency == entry.agency] == ["adopted"]
    (out / entry.file).write_bytes(b"a hand edit")  # ... while a real hand edit stays refused
    workbook2 = write_workbook(tmp_path / "w2.xlsx", district_records(4, seed=9))
    result = build_reports(workbook2, BuildOptions(out=out, template=new))
    assert [o.agency for o in result.conflicts] == [entry.agency]
    assert (out / entry.file).read_bytes() == b"a hand edit"
