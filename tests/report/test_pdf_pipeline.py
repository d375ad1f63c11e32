"""The copies LibreOffice converts are written while it starts (it opens one file at a time);
a file it did not find in time, or a file no copy can be made of, is converted again."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.pdf import AHEAD, _Converter, find_soffice, installation_facts
from conftest import ROOT
from factories import needs_libreoffice

pytestmark = [pytest.mark.pdf, needs_libreoffice]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("out")
    result = build_reports(ROOT / "input" / "master.xlsx", BuildOptions(out=out, jobs=1))
    built = sorted(o.file for o in result.built if o.file is not None)
    assert len(built) > AHEAD + 2
    return built[:AHEAD + 3]


class _TooLate(_Converter):
    """A converter whose copy of one file is not there when soffice opens it."""

    def __init__(self, *args: object, late: Path, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.late, self.skipped = late, 0

    def _write_late(self, source: Path) -> bool:
        if source == self.late and not self.skipped:
            self.skipped += 1
            return False  # as if soffice had got there first
        return super()._write_late(source)


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          timeout=60, check=True).stdout


def test_a_copy_not_there_in_time_is_converted_again(reports: list[Path], tmp_path: Path) -> None:
    soffice = find_soffice()
    assert soffice is not None
    late = reports[AHEAD + 1]
    converter = _TooLate(soffice, tmp_path, installation_facts(soffice), late=late)
    assert converter.convert(reports) == dict.fromkeys(reports)
    assert converter.skipped == 1
    for report in reports:
        assert report.stem in "".join(_text(report.with_suffix(".pdf")).split())


def test_a_file_no_copy_can_be_made_of_fails_alone(reports: list[Path], tmp_path: Path) -> None:
    soffice = find_soffice()
    assert soffice is not None
    broken = tmp_path / "损坏的报告.docx"
    broken.write_bytes(b"PK\x03\x04 not a whole zip")
    batch = [*reports[:AHEAD + 1], broken, *reports[AHEAD + 1:]]
    results = _Converter(soffice, tmp_path, installation_facts(soffice)).convert(batch)
    assert results[broken] is not None and not broken.with_suffix(".pdf").exists()
    assert all(results[r] is None and r.with_suffix(".pdf").exists() for r in reports)
