"""The form an agency gets: laid out like the report, protected, validated, pre-filled, and
carrying an identity that survives renaming and re-saving by LibreOffice."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from annual_report.format.model import (
    APP_COLUMN_LABEL,
    APP_ROWS,
    APPLICANT_HEADER,
    FIELD_BY_KEY,
    ORGANISATION_HEADER,
    RESULTS,
    TABLE3_NOTE,
)
from annual_report.forms.identity import FORM_FORMAT, ID_SHEET
from annual_report.forms.layout import SHEET_T3, form_layout
from annual_report.forms.read import FileKind, read_form
from annual_report.workbook.blank import write_workbook
from factories import fill_consistent, zero_record
from form_helpers import bare_master, convert, form_of, issue, names, needs_soffice


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("forms")
    master = bare_master(tmp / "总表.xlsx", 2)
    result = issue(master, tmp / "表单", due="2025年1月15日")
    return form_of(result, names(1)[0]), tmp


def merged_ranges(ws: openpyxl.worksheet.worksheet.Worksheet) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def test_table3_is_the_official_grid(issued: tuple[Path, Path]) -> None:
    book = openpyxl.load_workbook(issued[0])
    ws = book[SHEET_T3]
    merged = merged_ranges(ws)
    assert ws["A4"].value == TABLE3_NOTE and "A4:C6" in merged
    assert ws["D4"].value == APPLICANT_HEADER and "D4:J4" in merged
    assert ws["E5"].value == ORGANISATION_HEADER and "E5:I5" in merged
    assert [ws.cell(row=6, column=c).value for c in range(5, 10)] == [
        APP_COLUMN_LABEL[c] for c in ("business", "research", "nonprofit", "legal", "other_org")]
    assert ws["A9"].value == RESULTS and "A9:A30" in merged
    for i, row in enumerate(APP_ROWS):
        r = 7 + i
        labels = [ws.cell(row=r, column=c).value for c in (1, 2, 3)]
        assert row.label in labels, (row.key, labels)
        if row.subgroup and row.key.endswith((".state_secret", ".not_held", ".petition",
                                               ".no_correction")):
            assert ws.cell(row=r, column=2).value == row.subgroup
    assert len([k for k in form_layout().slots if k.startswith("apps.")]) == 25 * 7


def test_only_input_cells_are_unlocked_and_figures_are_validated(issued: tuple[Path, Path]) -> None:
    book = openpyxl.load_workbook(issued[0])
    layout = form_layout()
    inputs = {(s.sheet, s.ref) for s in layout.slots.values()}
    for name in layout.sheets:
        ws = book[name]
        assert ws.protection.sheet
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and (name, cell.coordinate) not in inputs:
                    assert cell.protection.locked, f"{name}!{cell.coordinate}"
        assert ws["B2"].value == names(1)[0] and ws["B2"].protection.locked
    for key, slot in layout.slots.items():
        cell = book[slot.sheet][slot.ref]
        assert not cell.protection.locked, slot.where
        if not FIELD_BY_KEY[key].kind.is_figure:
            continue
        rules = [dv for dv in book[slot.sheet].data_validations.dataValidation
                 if slot.ref in {str(c) for c in dv.sqref.ranges}]
        assert len(rules) == 1, slot.where
        if FIELD_BY_KEY[key].kind.decimals:
            assert rules[0].type == "custom" and "ROUND" in (rules[0].formula1 or "")
        else:
            assert (rules[0].type, rules[0].operator, rules[0].formula1) == (
                "whole", "greaterThanOrEqual", "0")
    assert book["表三"]["J7"].value == "=SUM(D7:I7)"
    assert book["表三"]["K7"].value.startswith('=IF(COUNT(D7:I7)<6,"待填"')
    assert "填表说明" in book.sheetnames
    assert book[ID_SHEET].sheet_state == "veryHidden"
    assert "2025年1月15日" in "".join(str(c.value) for c in book["填表说明"]["B"])


def test_prefill_from_the_master_and_from_last_year(tmp_path: Path) -> None:
    this = fill_consistent(zero_record("甲局"), __import__("random").Random(3))
    this["apps.new.natural"] = ""  # a blank figure of a re-issued form stays blank
    this["apps.new.total"] = 99  # a total that does not add up is kept, so the check shows it
    last = fill_consistent(zero_record("甲局", 2023), __import__("random").Random(4))
    last["normative.in_force"] = 17
    fresh = {"agency": "甲局", "year": 2024}
    master = write_workbook(tmp_path / "总表.xlsx", [this])
    bare = write_workbook(tmp_path / "空总表.xlsx", [fresh])
    previous = write_workbook(tmp_path / "上年.xlsx", [last])
    again = issue(master, tmp_path / "a", previous_path=previous)
    ws = openpyxl.load_workbook(form_of(again, "甲局"))["表三"]
    assert ws["D7"].value is None and ws["J7"].value == 99
    assert ws["E8"].value == this["apps.carried_in.business"]  # the master wins
    assert ws["J9"].value == "=SUM(D9:I9)"
    start = issue(bare, tmp_path / "b", previous_path=previous)
    book = openpyxl.load_workbook(form_of(start, "甲局"))
    for col, letter in zip(("natural", "business", "research"), "DEF", strict=False):
        assert book["表三"][f"{letter}8"].value == last[f"apps.carried_over.{col}"]
    assert book["表二"]["D7"].value == "=17+B7-C7"
    assert "上年现行有效 17 件" in book["表二"]["E7"].value


@needs_soffice
def test_identity_survives_renaming_and_libreoffice(issued: tuple[Path, Path]) -> None:
    form, tmp = issued
    renamed = tmp / "改了名字的表.xlsx"
    renamed.write_bytes(form.read_bytes())
    profile = tmp / "profile"
    copies = [*convert([renamed], "xlsx", tmp / "xlsx", profile),
              *convert([renamed], "ods", tmp / "ods", profile),
              *convert([renamed], "xls", tmp / "xls", profile)]
    for path in [renamed, *copies]:
        ret = read_form(path, str(path), "x", __import__("datetime").datetime.now().astimezone())
        assert ret.kind == FileKind.FORM, (path, ret.note, ret.problems)
        assert ret.identity is not None and ret.identity.agency == names(1)[0]
        assert ret.identity.year == 2024 and ret.identity.format == FORM_FORMAT
        assert not ret.problems and ret.unchanged, (path, ret.problems)
    # each carrier on its own: custom properties and defined names survive an .xlsx re-save
    from annual_report.forms.identity import from_openpyxl
    resaved = openpyxl.load_workbook(copies[0])
    assert len(from_openpyxl(resaved)) == 2
    from annual_report.forms.identity import from_ods_meta
    assert len(from_ods_meta(copies[1])) == 1


@needs_soffice
def test_check_cells_work_in_an_office_suite(tmp_path: Path) -> None:
    """LibreOffice computes the form's own totals and checks: ✓ where figures add up, ✗ with the
    expected figure where a typed total does not."""
    from form_helpers import fill, filled_records

    master = bare_master(tmp_path / "总表.xlsx", 1)
    form = form_of(issue(master, tmp_path / "表单"), names(1)[0])
    record = filled_records(1)[names(1)[0]]
    bad = fill(form, tmp_path / "填好.xlsx", record,
               overrides={"表四!E7": record["review.total"] + 1})
    (resaved,) = convert([bad], "xlsx", tmp_path / "lo", tmp_path / "profile")
    book = openpyxl.load_workbook(resaved, data_only=True)
    t3, t4 = book["表三"], book["表四"]
    assert t3["J7"].value == record["apps.new.total"]
    assert {t3.cell(row=r, column=11).value for r in range(7, 32)} == {"✓"}
    assert {t3.cell(row=r, column=c).value for r in (32, 33) for c in range(4, 11)} == {"✓"}
    assert t4["E8"].value == f"✗ 应为 {record['review.total']}"
    assert t4["J8"].value == "✓" and book["信息处理费"]["D7"].value == "✓"


def test_forms_command_keeps_what_it_issued(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from annual_report.cli.app import app

    master = bare_master(tmp_path / "总表.xlsx", 2)
    folder = tmp_path / "表单"
    runner = CliRunner()
    first = runner.invoke(app, ["forms", str(master), "--out", str(folder), "--due", "2025-01-15"])
    assert first.exit_code == 0, first.output
    assert "已生成 2 份填报表" in first.output and "--due" in first.output
    again = runner.invoke(app, ["forms", str(master), "--out", str(folder)])
    assert again.exit_code == 0 and "已有的 2 份未重写" in again.output
    target = folder / f"{names(2)[1]}.xlsx"
    target.write_bytes(target.read_bytes() + b"\0")
    forced = runner.invoke(app, ["forms", str(master), "--out", str(folder)])
    assert forced.exit_code == 1 and "被改动过，未覆盖" in forced.output
    only = runner.invoke(app, ["forms", str(master), "--out", str(folder), "--only", names(2)[1]])
    assert only.exit_code == 0 and "已重新生成" in only.output
    bad_due = runner.invoke(app, ["forms", str(master), "--out", str(folder), "--due", "明天"])
    assert bad_due.exit_code == 2


def _strip_values(ods: Path, target: Path, cells: dict[str, str | None]) -> Path:
    """A copy of an .ods whose cells of 表三 (``J7`` -> None: keep the formula; ``D8`` ->
    formula: put one there) hold formulas without a stored value, as a program might write."""
    import zipfile

    from lxml import etree

    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    o = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    with zipfile.ZipFile(ods) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    root = etree.fromstring(parts["content.xml"])
    table = next(x for x in root.iter(f"{t}table") if x.get(f"{t}name") == SHEET_T3)
    grid: dict[str, object] = {}
    for r, row in enumerate(table.iter(f"{t}table-row"), start=1):
        c = 0
        for cell in row:
            span = int(cell.get(f"{t}number-columns-repeated", "1"))
            if span == 1:
                grid[f"{chr(65 + c)}{r}"] = cell
            c += span
    for ref, formula in cells.items():
        cell = grid[ref]
        for name in ("value", "value-type"):
            cell.attrib.pop(f"{o}{name}", None)  # type: ignore[attr-defined]
        cell.attrib.pop("{urn:oasis:names:tc:opendocument:xmlns:of:1.2}value-type", None)  # type: ignore[attr-defined]
        for child in list(cell):  # type: ignore[attr-defined]
            cell.remove(child)  # type: ignore[attr-defined]
        if formula:
            cell.set(f"{t}formula", formula)  # type: ignore[attr-defined]
    parts["content.xml"] = etree.tostring(root)
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("mimetype", parts.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


@needs_soffice
def test_ods_formulas_without_values(tmp_path: Path) -> None:
    import datetime as dt

    from form_helpers import fill, filled_records

    master = bare_master(tmp_path / "总表.xlsx", 1)
    form = form_of(issue(master, tmp_path / "表单"), names(1)[0])
    record = filled_records(1)[names(1)[0]]
    (ods,) = convert([fill(form, tmp_path / "填好.xlsx", record)], "ods", tmp_path / "o",
                     tmp_path / "profile")
    now = dt.datetime.now().astimezone()
    total = read_form(_strip_values(ods, tmp_path / "a.ods", {"J7": None}), "a", "1", now)
    assert not total.problems and total.values["apps.new.total"] == record["apps.new.total"]
    other = read_form(_strip_values(ods, tmp_path / "b.ods", {"D8": "of:=1+2"}), "b", "2", now)
    assert any("表三!D8" in p and "没有保存计算结果" in p for p in other.problems), other.problems
