"""Builds that take unchanged rows from the memo of the last read (workbook/memo.py): the
reports read back with python-docx are those a build without the memo writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import openpyxl
import pytest

from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.rerun import memo_path

SAMPLE = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"


def _text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _edit(path: Path, cells: dict[str, object]) -> None:
    book = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        book["总表"][ref] = value
    book.save(path)


@pytest.fixture()
def master(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANNUAL_REPORT_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "master.xlsx"
    openpyxl.load_workbook(SAMPLE).save(path)  # as openpyxl saves it, each time the same way
    return path


def test_changed_row_rebuilt_deleted_report_remade_from_memo(tmp_path: Path, master: Path) -> None:
    out = tmp_path / "out"
    first = build_reports(master, BuildOptions(out=out, jobs=1))
    assert len(first.built) == 35 and memo_path(out).exists()
    # one agency corrects its overview; another's report is deleted by hand
    edited = openpyxl.load_workbook(master)["总表"]["A6"].value
    _edit(master, {"E6": "本年度总体情况的新写法，第二稿。"})
    gone = next(o for o in first.built if o.agency != edited)
    assert gone.file is not None
    gone.file.unlink()
    again = build_reports(master, BuildOptions(out=out, jobs=1))
    assert again.report.workbook.loader is not None  # the memo was used
    rebuilt = {o.agency for o in again.built}
    assert rebuilt == {edited, gone.agency}
    assert "本年度总体情况的新写法，第二稿。" in _text(out / "2024" / f"{edited}.docx")
    # the report remade from a row the memo gave in brief is the one a plain build makes
    plain = tmp_path / "plain"
    shutil.rmtree(tmp_path / "cache")
    build_reports(master, BuildOptions(out=plain, jobs=1, force=True))
    for agency in rebuilt:
        assert _text(out / "2024" / f"{agency}.docx") == _text(plain / "2024" / f"{agency}.docx")


def test_force_reads_in_full(tmp_path: Path, master: Path) -> None:
    out = tmp_path / "out"
    build_reports(master, BuildOptions(out=out, jobs=1))
    _edit(master, {"L9": 5})
    forced = build_reports(master, BuildOptions(out=out, jobs=1, force=True))
    assert forced.report.workbook.loader is None
    assert len(forced.built) == 35
