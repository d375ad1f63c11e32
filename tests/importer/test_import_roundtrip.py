"""Round trip as a property: every report `build` writes is read back by `import` into exactly the
row it was built from (figures and texts) — DOCX over generated records (hypothesis) and the
whole sample, PDF (LibreOffice) for a few of them.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annual_report.checks.published import comparable, compare_rows
from annual_report.cli.import_cmd import report_rendering
from annual_report.format.model import FIELDS, Kind
from annual_report.format.synthetic import fill_consistent, zero_record
from annual_report.importer.docx_in import read_docx
from annual_report.importer.run import import_document, import_paths, write_import
from annual_report.report.build import DEFAULT_TEMPLATE, BuildOptions, build_reports
from annual_report.report.context import build_context
from annual_report.report.render import CompiledTemplate, CoreProperties
from annual_report.workbook.rows import AgencyRow, read_workbook
from conftest import ROOT
from factories import make_row

SAMPLE = ROOT / "input" / "master.xlsx"
RENDERING = report_rendering()
COMPARED = [f.key for f in FIELDS if f.kind.is_figure or f.kind in (Kind.TEXT, Kind.LINE)] + [
    "agency", "year", "report_date"]

_SENTENCE = st.sampled_from([
    "本机关认真贯彻落实《中华人民共和国政府信息公开条例》", "坚持以公开为常态、不公开为例外",
    "全年主动公开政府信息2175条", "制发行政规范性文件3件", "围绕重点领域信息公开，进一步完善制度",
    "累计开展政府网站在线访谈活动7次", "R&D <Ltd> 项目信息及时公开", "=SUM(A1) 不是公式",
    "网站共开设栏目及子栏目549个", "2024年12月31日前收到的申请均已办结",
])
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=3).map(lambda s: "，".join(s) + "。")
_PROBLEM = st.lists(st.sampled_from([
    "一是公开内容还不够全面", "二是政策解读形式比较单一", "信息发布的及时性有待提高"]),
    min_size=1, max_size=2).map(lambda s: "；".join(s) + "。")
_IMPROVE = st.lists(st.sampled_from([
    "一是进一步加强公开工作", "二是丰富解读形式", "加强业务培训"]), min_size=1,
    max_size=2).map(lambda s: "改进措施：" + "；".join(s) + "。")


def _text(paragraphs: st.SearchStrategy[str], minimum: int = 0) -> st.SearchStrategy[str]:
    return st.lists(paragraphs, min_size=minimum, max_size=3).map("\n".join)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record = fill_consistent(zero_record("西安市樊川区测试局", draw(st.integers(2021, 2030))),
                             random.Random(draw(st.integers(0, 10**6))))
    for key in ("rules.issued", "normative.in_force", "licensing.decisions", "penalty.decisions"):
        record[key] = draw(st.integers(0, 5000))
    record["fees.amount"] = draw(st.decimals(0, 9999, places=4, allow_nan=False))
    notices = draw(st.integers(0, 3))
    record["processing_fee.notices"] = max(notices, record["apps.other.unpaid_fee.total"])
    amount = draw(st.decimals(0, 500, places=2)) if record["processing_fee.notices"] else 0
    record["processing_fee.notice_amount"] = amount
    record["processing_fee.collected"] = draw(st.decimals(0, 500, places=2)).min(amount) if amount else 0
    record["text.overview"] = draw(_text(_PARAGRAPH, 1))
    record["text.proactive"] = draw(_text(_PARAGRAPH, 1))
    record["text.applications"] = draw(_text(_PARAGRAPH))
    record["text.appeals"] = draw(_text(_PARAGRAPH))
    record["text.problems"] = draw(_text(_PROBLEM))
    record["text.improvements"] = draw(_text(_IMPROVE))
    record["text.other"] = draw(st.one_of(_text(_PARAGRAPH), st.sampled_from([
        "无", "本年度无其他需要报告的事项。", "本年度未收取信息处理费。",
        "（一）人大代表建议办理情况。全年办理建议5件。\n（二）政协委员提案办理情况。全年办理提案3件。",
        "1.人大代表建议办理情况。全年办理建议5件。\n2.政协委员提案办理情况。全年办理提案3件。"])))
    if draw(st.booleans()):
        record["heading.problems"] = "五、存在问题和改进情况"
    record["report_date"] = draw(st.one_of(st.none(), st.just(f"{record['year'] + 1}-01-20")))
    return record


def libreoffice(files: list[Path], to: str, folder: Path, tmp_path: Path) -> None:
    """Convert ``files`` with LibreOffice (``--convert-to to``) into ``folder``."""
    subprocess.run(["soffice", "--headless", "--norestore",
                    f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--convert-to", to, "--outdir", str(folder), *map(str, files)],
                   check=True, capture_output=True, timeout=300)


def _values(row: AgencyRow) -> dict[str, Any]:
    """The row's figures and texts; section 六 as P1 compares it (the template states the fee
    with the sentence computed from the figures, and a 「无」 in its own words)."""
    values = {k: row.values.get(k, row.raw.get(k)) for k in COMPARED
              if row.values.get(k, row.raw.get(k)) not in (None, "")}
    values["text.other"] = comparable("text.other", str(values.get("text.other", "")))
    return values


@pytest.fixture(scope="module")
def template() -> CompiledTemplate:
    return CompiledTemplate.load(DEFAULT_TEMPLATE)


def _render(template: CompiledTemplate, row: AgencyRow, folder: Path) -> Path:
    path = folder / "report.docx"
    path.write_bytes(template.render(build_context(row), CoreProperties(
        "报告", row.agency, dt.datetime(2025, 1, 1))))
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=records())
def test_a_built_docx_imports_into_its_row(template: CompiledTemplate, record: dict[str, Any]) -> None:
    row = make_row(record)
    assert not row.has_errors, row.findings
    with tempfile.TemporaryDirectory() as folder:
        path = _render(template, row, Path(folder))
        imported, _log = import_document(read_docx(path), path.name, None, RENDERING)
    back = make_row(imported)
    assert _values(back) == _values(row)
    assert list(compare_rows(back, row, "master.xlsx")) == []


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    result = build_reports(SAMPLE, BuildOptions(out=out, jobs=2))
    assert result.exit_code == 0
    return out


def test_the_sample_reports_import_into_the_sample_rows(sample_build: Path, tmp_path: Path) -> None:
    result = import_paths([sample_build], None, RENDERING)
    assert len(result.records) == 35
    master = {r.agency: r for r in read_workbook(SAMPLE).rows}
    # complete, but for a report that prints no 成文日期 (its row has none): that is said
    assert {line.agency: line.status for line in result.log if line.item == "结果"} == {
        agency: "已导入" if row.values.get("report_date") else "部分导入"
        for agency, row in master.items()}
    target = write_import(tmp_path / "导入.xlsx", result)
    imported = read_workbook(target)
    for row in imported.rows:
        assert _values(row) == _values(master[row.agency]), row.agency
        assert list(compare_rows(row, master[row.agency], SAMPLE.name)) == []


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")
def test_built_pdfs_import_into_their_rows(tmp_path: Path) -> None:
    from annual_report.workbook.blank import write_workbook

    chosen = read_workbook(SAMPLE).rows[:3]
    rng = random.Random(7)
    extra = fill_consistent(zero_record("西安市樊川区随机局", 2024), rng)
    book = write_workbook(tmp_path / "m.xlsx", [
        {**{k: r.values.get(k) for k in COMPARED}, "email": "a@example.cn"} for r in chosen] + [extra])
    out = tmp_path / "out"
    result = build_reports(book, BuildOptions(out=out, jobs=1, pdf=True))
    assert result.exit_code == 0, result.pdf_failed
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for pdf in (out / "2024").glob("*.pdf"):
        shutil.copy(pdf, pdfs / pdf.name)
    imported = import_paths([pdfs], None, RENDERING)
    assert len(imported.records) == 4
    master = {r.agency: r for r in read_workbook(book).rows}
    for record in imported.records:
        back = make_row(record)
        # every comma too: the copy LibreOffice converts hangs no punctuation into the margin
        assert _values(back) == _values(master[back.agency])


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")
def test_built_reports_saved_as_web_pages_by_libreoffice(sample_build: Path, tmp_path: Path) -> None:
    sources = sorted((sample_build / "2024").glob("*.docx"))[:3]
    libreoffice(sources, "html", tmp_path / "pages", tmp_path)
    imported = import_paths([tmp_path / "pages"], None, RENDERING)
    assert len(imported.records) == 3
    master = {r.agency: r for r in read_workbook(SAMPLE).rows}
    for record in imported.records:
        back = make_row(record)
        assert _values(back) == _values(master[back.agency]), back.agency


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")
def test_built_reports_saved_again_by_libreoffice_as_docx_and_as_pdf_a(
        sample_build: Path, tmp_path: Path) -> None:
    """What an agency that edits its report in LibreOffice publishes: the DOCX saved again by
    LibreOffice (its own XML, styles and runs) imports into the row exactly; a PDF/A-2 of it
    into the same figures, and P1 finds nothing to say (a space LibreOffice does not draw at
    the end of a line is not in the PDF at all)."""
    from annual_report.report.pdf_tables import write_libreoffice_copy

    sources = sorted((sample_build / "2024").glob("*.docx"))[-4:]
    copies = tmp_path / "copies"  # no punctuation hanging into the margin, as build --pdf gives
    copies.mkdir()
    for source in sources:
        assert write_libreoffice_copy(source, copies / source.name)
    pdf_a = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
    for fmt, folder, files in (("docx:MS Word 2007 XML", "docx", sources),
                               (pdf_a, "pdf", sorted(copies.iterdir()))):
        libreoffice(files, fmt, tmp_path / folder, tmp_path)
    assert b"pdfaid:part" in next((tmp_path / "pdf").glob("*.pdf")).read_bytes()  # PDF/A indeed
    master = {r.agency: r for r in read_workbook(SAMPLE).rows}
    for folder in ("docx", "pdf"):
        imported = import_paths([tmp_path / folder], None, RENDERING)
        assert len(imported.records) == len(sources), folder
        for record in imported.records:
            back = make_row(record)
            expected = _values(master[back.agency])
            if folder == "docx":
                assert _values(back) == expected, back.agency
            else:
                figures = {f.key for f in FIELDS if f.kind.is_figure}
                assert {k: v for k, v in _values(back).items() if k in figures} == {
                    k: v for k, v in expected.items() if k in figures}, back.agency
            assert list(compare_rows(back, master[back.agency], SAMPLE.name)) == [], back.agency


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")
def test_reports_printed_landscape_import_from_their_pdf(sample_build: Path, tmp_path: Path) -> None:
    """A report an agency turned to landscape pages (wide tables fit better) before it made
    the PDF: longer lines, fewer pages, the tables no longer as wide as the text. Its figures
    import as printed, and P1 finds nothing to say."""
    import docx
    from docx.enum.section import WD_ORIENT

    from annual_report.report.pdf_tables import write_libreoffice_copy

    turned = tmp_path / "turned"
    turned.mkdir()
    sources = sorted((sample_build / "2024").glob("*.docx"))[3:6]
    for source in sources:
        document = docx.Document(str(source))
        for section in document.sections:
            width, height = section.page_width, section.page_height
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = max(width, height), min(width, height)
        document.save(str(tmp_path / source.name))
        assert write_libreoffice_copy(tmp_path / source.name, turned / source.name)
    libreoffice(sorted(turned.iterdir()), "pdf", tmp_path / "pdf", tmp_path)
    import pdfplumber

    with pdfplumber.open(next((tmp_path / "pdf").glob("*.pdf"))) as pdf:
        assert pdf.pages[0].width > pdf.pages[0].height  # landscape indeed
    master = {r.agency: r for r in read_workbook(SAMPLE).rows}
    imported = import_paths([tmp_path / "pdf"], None, RENDERING)
    assert len(imported.records) == len(sources)
    figures = {f.key for f in FIELDS if f.kind.is_figure}
    for record in imported.records:
        back = make_row(record)
        expected = _values(master[back.agency])
        assert {k: v for k, v in _values(back).items() if k in figures} == {
            k: v for k, v in expected.items() if k in figures}, back.agency
        assert list(compare_rows(back, master[back.agency], SAMPLE.name)) == [], back.agency


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")
def test_a_pdf_showing_tracked_changes(sample_build: Path, tmp_path: Path) -> None:
    """A report exported with its tracked changes shown: an old figure struck through before the
    new one (「280」 struck out, then 「286」) is no part of the figure, as in the document."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from annual_report.report.pdf_tables import write_libreoffice_copy

    source = sorted((sample_build / "2024").glob("*.docx"))[0]
    row = next(r for r in read_workbook(SAMPLE).rows if source.stem.startswith(r.agency))
    document = docx.Document(str(source))
    changed = 0
    for table in document.tables:
        for cell in table._cells:
            paragraph = cell.paragraphs[0] if cell.paragraphs else None
            if paragraph is None or not paragraph.runs or not cell.text.strip().isdigit():
                continue
            old = str(int(cell.text) + 7)
            paragraph._p.insert(paragraph._p.index(paragraph.runs[0]._r), parse_xml(
                f'<w:del {nsdecls("w")} w:id="{900 + changed}" w:author="办公室" '
                f'w:date="2025-01-15T10:00:00Z"><w:r><w:delText>{old}</w:delText></w:r></w:del>'))
            changed += 1
            if changed == 6:
                break
        if changed == 6:
            break
    edited = tmp_path / source.name
    document.save(str(edited))
    copies = tmp_path / "copies"
    copies.mkdir()
    assert write_libreoffice_copy(edited, copies / source.name)
    libreoffice([copies / source.name], "pdf", tmp_path / "pdf", tmp_path)
    import pdfplumber

    with pdfplumber.open(next((tmp_path / "pdf").glob("*.pdf"))) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert changed == 6
    imported = import_paths([tmp_path / "pdf"], None, RENDERING)
    back = make_row(imported.records[0])
    figures = {f.key for f in FIELDS if f.kind.is_figure}
    assert {k: v for k, v in _values(back).items() if k in figures} == {
        k: v for k, v in _values(row).items() if k in figures}, text[:400]
