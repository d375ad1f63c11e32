"""`build --pdf`: a LibreOffice round trip (DOCX -> PDF -> pdftotext) and PDF re-runs.

The round-trip tests need LibreOffice (``soffice``) and ``pdftotext`` and are skipped without
them; the missing-LibreOffice message is tested everywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import annual_report.report.pdf
from annual_report.report.build import BuildOptions, BuildResult, build_reports
from annual_report.report.pdf import PdfError
from annual_report.workbook.blank import write_workbook
from factories import needs_libreoffice, zero_record
from generate import app

pytestmark = pytest.mark.pdf


AGENCIES = {"测试区甲局": 4321, "测试区乙局": 4322, 'R&D <Ltd> "丙" 测试%20局': 4323}


def figure_record(agency: str, figure: int) -> dict[str, Any]:
    """A valid record whose only non-zero figures put ``figure`` in table 三 (new = granted)."""
    record = zero_record(agency)
    for key in ("apps.new", "apps.granted", "apps.results_total"):
        record[f"{key}.natural"] = figure
        record[f"{key}.total"] = figure
    # A narrative without the number, so that it reaches the PDF only through table 三.
    record["text.applications"] = "本年度依申请公开情况见下表。"
    return record


def pdftotext(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, timeout=60)
    return re.sub(r"\s+", "", done.stdout.decode("utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(workbook: Path, out: Path, **options: Any) -> BuildResult:
    return build_reports(workbook, BuildOptions(out=out, jobs=2, pdf=True, **options))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, BuildResult]:
    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        pytest.skip("needs LibreOffice (soffice) and pdftotext")
    folder = tmp_path_factory.mktemp("pdf")
    workbook = write_workbook(
        folder / "总表.xlsx", [figure_record(a, n) for a, n in AGENCIES.items()])
    out = folder / "out"
    return workbook, out, build(workbook, out)


@needs_libreoffice
def test_pdfs_show_agency_and_table_figures(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, result = built
    assert result.exit_code == 0, (result.pdf_failed, result.failed)
    assert sorted(o.agency for o in result.built) == sorted(AGENCIES)
    assert sorted(o.agency for o in result.pdf_built) == sorted(AGENCIES)
    assert result.pdf_failed == []
    docx_files = {o.agency: o.file for o in result.built}
    for agency, figure in AGENCIES.items():
        source = docx_files[agency]
        assert source is not None
        pdf = source.with_suffix(".pdf")
        assert pdf.is_file() and pdf.stat().st_size > 0
        assert pdf.read_bytes().startswith(b"%PDF")
        text = pdftotext(pdf)
        name = re.sub(r"\s+", "", agency)
        assert name in text
        assert f"{name}2024年政府信息公开工作年度报告" in text
        assert "三、收到和处理政府信息公开申请情况" in text
        assert str(figure) in text  # from table 三 only
        others = [str(n) for a, n in AGENCIES.items() if a != agency]
        assert not any(n in text for n in others), "a PDF shows another agency's figures"
    leftovers = [p.name for p in out.rglob("*") if p.is_file() and p.suffix not in (".docx", ".pdf")]
    assert leftovers == ["manifest.json"]


@needs_libreoffice
def test_manifest_records_the_pdfs(built: tuple[Path, Path, BuildResult]) -> None:
    _, out, _ = built
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert sorted(entries) == sorted(AGENCIES)
    for entry in entries.values():
        assert entry["pdf"] == entry["file"].removesuffix(".docx") + ".pdf"
        assert entry["pdf_sha256"] == sha256(out / entry["pdf"])
        assert entry["sha256"] == sha256(out / entry["file"])


@needs_libreoffice
def test_second_pdf_run_converts_nothing(
    built: tuple[Path, Path, BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook, out, _ = built
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*.pdf")}
    assert len(before) == 3
    # Were anything converted, the missing LibreOffice would raise PdfError.
    monkeypatch.setattr(annual_report.report.pdf, "find_soffice", lambda: None)
    again = build(workbook, out)
    assert again.built == [] and again.pdf_built == [] and again.pdf_failed == []
    assert len(again.skipped) == 3 and again.exit_code == 0
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*.pdf")} == before


@needs_libreoffice
def test_deleted_pdf_is_converted_again(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "总表.xlsx", [figure_record("测试区丁局", 4324)])
    out = tmp_path / "out"
    assert [o.agency for o in build(workbook, out).pdf_built] == ["测试区丁局"]
    pdf = out / "2024" / "测试区丁局.pdf"
    pdf.unlink()
    again = build(workbook, out)
    assert again.built == [] and [o.agency for o in again.pdf_built] == ["测试区丁局"]
    assert "4324" in pdftotext(pdf)


def test_missing_libreoffice_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annual_report.report.pdf, "find_soffice", lambda: None)
    workbook = write_workbook(tmp_path / "总表.xlsx", [figure_record("测试区戊局", 4325)])
    out = tmp_path / "out"
    with pytest.raises(PdfError, match="LibreOffice") as caught:
        build(workbook, out)
    assert caught.value.exit_code == 2
    assert "--pdf" in str(caught.value)
    assert not list(out.rglob("*.pdf"))
    result = CliRunner().invoke(app, ["build", str(workbook), "--out", str(out), "--pdf"])
    assert result.exit_code == 2
    assert "LibreOffice" in result.output and "Traceback" not in result.output


@needs_libreoffice
def test_relative_output_folder_and_substitute_fonts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default --out is the relative folder output/; the profile URI must still work."""
    workbook = write_workbook(tmp_path / "总表.xlsx", [figure_record("测试区丁局", 4324)])
    monkeypatch.chdir(tmp_path)
    result = build(workbook, Path("out"))
    assert result.pdf_failed == [] and len(result.pdf_built) == 1
    pdf = tmp_path / "out" / "2024" / "测试区丁局.pdf"
    assert "4324" in pdftotext(pdf)
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        assert "Serif" in fonts  # the body asks for 仿宋/宋体: a serif face, not the sans default


@needs_libreoffice
def test_a_kept_hand_edit_gets_a_matching_pdf(tmp_path: Path) -> None:
    import docx

    workbook = write_workbook(tmp_path / "总表.xlsx", [figure_record("测试区戊局", 4325)])
    out = tmp_path / "out"
    build(workbook, out)
    source = out / "2024" / "测试区戊局.docx"
    document = docx.Document(str(source))
    document.add_paragraph("手工补充的一句话。")
    document.save(str(source))
    without_pdf = build_reports(workbook, BuildOptions(out=out, jobs=1))
    assert [o.agency for o in without_pdf.kept] == ["测试区戊局"]
    assert [o.agency for o in without_pdf.pdf_outdated] == ["测试区戊局"]  # old PDF not sent
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert entry["测试区戊局"]["pdf"] is None
    with_pdf = build(workbook, out)
    assert [o.agency for o in with_pdf.pdf_built] == ["测试区戊局"] and with_pdf.exit_code == 0
    assert "手工补充的一句话" in pdftotext(source.with_suffix(".pdf"))
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert entry["测试区戊局"]["pdf_sha256"] == sha256(source.with_suffix(".pdf"))
