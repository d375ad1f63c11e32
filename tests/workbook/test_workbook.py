"""The reader: header detection, normalisation of figures, and hostile or broken input."""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report.errors import InputError
from annual_report.format.model import FIELDS
from annual_report.workbook.blank import FIRST_DATA_ROW, write_workbook
from annual_report.workbook.rows import ReadOptions, read_workbook
from annual_report.workbook.sheets import column_letter
from factories import fill_consistent, zero_record


def write_sheet(path: Path, header: list[Any], rows: list[list[Any]], title: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def record_cells(record: dict[str, Any], keys: list[str]) -> list[Any]:
    return [record.get(k) for k in keys]


def test_blank_workbook_round_trip(tmp_path: Path) -> None:
    record = fill_consistent(zero_record(), random.Random(1))
    record["联系人"] = "张三"
    path = write_workbook(tmp_path / "m.xlsx", [record, zero_record("另一个局")])
    book = read_workbook(path)
    assert book.sheet == "总表"
    assert book.header_row == FIRST_DATA_ROW - 1
    assert [r.agency for r in book.rows] == ["测试区测试局", "另一个局"]
    row = book.rows[0]
    assert row.row == FIRST_DATA_ROW
    assert row.findings == []
    assert row.extras == {"联系人": "张三"}
    for key, value in record.items():
        if key in ("email", "联系人", "report_date"):
            continue
        assert row.values[key] == value, key
    assert row.values["email"] == ["office@example.cn"]
    assert row.values["report_date"] == dt.date(2025, 1, 20)
    # the cell reference is the column of the field in the blank workbook
    index = [f.key for f in FIELDS].index("apps.new.total")
    assert row.cell("apps.new.total") == f"总表!{column_letter(index)}{FIRST_DATA_ROW}"


def test_blank_workbook_has_validation_frozen_panes_and_guide(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "blank.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["总表", "填表说明"]
    ws = book["总表"]
    assert ws.freeze_panes == "B5"
    assert ws["A3"].value == "机关全称" and ws["A4"].value == "agency"
    assert any("A1" in str(r) for r in ws.merged_cells.ranges)
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"whole", "decimal"} <= kinds
    whole = next(dv for dv in ws.data_validations.dataValidation if dv.type == "whole"
                 and dv.operator == "greaterThanOrEqual")
    assert whole.formula1 == "0"


@pytest.mark.parametrize("header_kind", ["key", "chinese"])
def test_key_or_chinese_headers_in_any_order(tmp_path: Path, header_kind: str) -> None:
    record = fill_consistent(zero_record(), random.Random(2))
    fields = list(FIELDS)
    random.Random(3).shuffle(fields)
    header = [f.key if header_kind == "key" else f.header for f in fields] + ["备注"]
    rows = [record_cells(record, [f.key for f in fields]) + ["无"], [None] * len(header),
            record_cells(zero_record("第二个局"), [f.key for f in fields]) + [None]]
    path = write_sheet(tmp_path / "k.xlsx", ["总表（2024年度）"], [])
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert ws is not None
    ws.append(header)
    for r in rows:
        ws.append(r)
    book.save(path)
    wb = read_workbook(path)
    assert [r.agency for r in wb.rows] == ["测试区测试局", "第二个局"]  # blank row skipped
    assert wb.rows[0].findings == []
    assert wb.rows[0].values["apps.new.total"] == record["apps.new.total"]
    assert wb.rows[0].extras == {"备注": "无"}
    assert wb.rows[0].row == 3


def test_values_normalised_where_certain(tmp_path: Path) -> None:
    record = zero_record()
    record.update({"apps.new.natural": "３", "apps.new.total": " 1,234 ", "apps.granted.natural": "3.0",
                   "fees.amount": "0.1250", "processing_fee.notice_amount": 12.5})
    wb = read_workbook(write_workbook(tmp_path / "n.xlsx", [record]))
    values = wb.rows[0].values
    assert values["apps.new.natural"] == 3
    assert values["apps.new.total"] == 1234
    assert values["apps.granted.natural"] == 3
    assert str(values["fees.amount"]) == "0.125"
    assert [f.rule for f in wb.rows[0].findings] == []


@pytest.mark.parametrize("bad", ["/", "-", "无", "三件", -2, 1.5, "", None])
def test_non_figures_are_r5_errors_naming_the_cell(tmp_path: Path, bad: Any) -> None:
    record = zero_record()
    record["review.total"] = bad
    wb = read_workbook(write_workbook(tmp_path / "b.xlsx", [record]))
    row = wb.rows[0]
    [finding] = row.findings
    assert finding.rule == "R5" and finding.is_error
    assert finding.cell == row.cell("review.total")
    assert finding.cell.startswith("总表!") and finding.cell.endswith("5")
    assert "行政复议" in finding.message
    assert "review.total" not in row.values


def test_blank_as_zero_gives_warning(tmp_path: Path) -> None:
    record = zero_record()
    record["review.total"] = None
    wb = read_workbook(write_workbook(tmp_path / "b.xlsx", [record]), ReadOptions(blank_as_zero=True))
    [finding] = wb.rows[0].findings
    assert not finding.is_error and "已按 0 处理" in finding.message
    assert wb.rows[0].values["review.total"] == 0


def test_money_decimals(tmp_path: Path) -> None:
    record = zero_record()
    record["fees.amount"] = "1.23456"
    record["processing_fee.collected"] = "0.125"
    wb = read_workbook(write_workbook(tmp_path / "m.xlsx", [record]))
    messages = {f.field: f.message for f in wb.rows[0].findings}
    assert "最多保留 4 位小数" in messages["fees.amount"]
    assert "最多保留 2 位小数" in messages["processing_fee.collected"]


def test_duplicate_agency(tmp_path: Path) -> None:
    wb = read_workbook(write_workbook(tmp_path / "d.xlsx", [zero_record(), zero_record()]))
    [dup] = [f for f in wb.findings if f.rule == "DUPLICATE"]
    assert dup.row == FIRST_DATA_ROW + 1 and f"第 {FIRST_DATA_ROW} 行" in dup.message


def test_formula_without_cached_value(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "f.xlsx", [zero_record()])
    book = openpyxl.load_workbook(path)
    ws = book["总表"]
    index = [f.key for f in FIELDS].index("apps.new.total")
    ws.cell(row=FIRST_DATA_ROW, column=index + 1, value="=SUM(1,2)")
    book.save(path)  # openpyxl stores formulas without cached values
    wb = read_workbook(path)
    [finding] = wb.rows[0].findings
    assert finding.field == "apps.new.total"
    assert "公式" in finding.message and "保存" in finding.message


def test_missing_required_column_lists_near_matches(tmp_path: Path) -> None:
    keys = [f.key for f in FIELDS if f.key != "review.total"]
    header = [k if k != "review.upheld" else "行政复议·结果维持" for k in keys] + ["行政复议合计"]
    path = write_sheet(tmp_path / "m.xlsx", header, [[None] * len(header)])
    with pytest.raises(InputError) as info:
        read_workbook(path)
    message = str(info.value)
    assert "行政复议·总计" in message and "review.total" in message
    assert "行政复议合计" in message  # the near match found in the sheet


def test_unusable_files_are_one_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("这不是工作簿", encoding="utf-8")
    with pytest.raises(InputError, match="无法读取 notes.xlsx"):
        read_workbook(text)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "x")
    with pytest.raises(InputError):
        read_workbook(broken)
    with pytest.raises(InputError, match="找不到文件"):
        read_workbook(tmp_path / "missing.xlsx")
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK")
    with pytest.raises(InputError, match="只支持"):
        read_workbook(docx)
    no_header = write_sheet(tmp_path / "plain.xlsx", ["a", "b"], [[1, 2]])
    with pytest.raises(InputError, match="表头"):
        read_workbook(no_header)


def test_encrypted_workbook(tmp_path: Path) -> None:
    # An encrypted OOXML file is an OLE compound file, not a zip.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 1024)
    with pytest.raises(InputError, match="无法读取 secret.xlsx"):
        read_workbook(path)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_input(tmp_path: Path, encoding: str) -> None:
    record = zero_record()
    keys = [f.key for f in FIELDS]
    lines = [",".join(f.header for f in FIELDS),
             ",".join("" if record.get(k) is None else str(record[k]) for k in keys)]
    path = tmp_path / "master.csv"
    path.write_bytes("\n".join(lines).encode(encoding))
    wb = read_workbook(path)
    assert wb.rows[0].agency == "测试区测试局"
    assert wb.rows[0].findings == []
    assert wb.rows[0].cell("agency") == "总表!A2"  # one table, named as in the .xlsx


def test_only_totals_filled_is_one_clear_finding(tmp_path: Path) -> None:
    record = fill_consistent(zero_record(), random.Random(5))
    for f in FIELDS:
        if f.table == "三" and f.column != "total":
            record[f.key] = None
    wb = read_workbook(write_workbook(tmp_path / "t.xlsx", [record]))
    [finding] = wb.rows[0].findings
    assert finding.rule == "R5" and finding.is_error
    assert "只填了“总计”列" in finding.message
    assert finding.cell == wb.rows[0].cell("apps.new.natural")


@pytest.mark.parametrize("header", ["一、本年新收 - 自然人", "一、本年新收・自然人", "APPS_NEW_NATURAL",
                                    " apps.new.natural "])
def test_header_spelling_variants_match(header: str) -> None:
    from annual_report.workbook.headers import match_header

    assert match_header(header) == "apps.new.natural"


def test_error_value_cell_names_the_error(tmp_path: Path) -> None:
    record = zero_record()
    record["apps.new.natural"] = "#DIV/0!"  # openpyxl stores it as an error cell
    wb = read_workbook(write_workbook(tmp_path / "e.xlsx", [record]))
    [finding] = wb.rows[0].findings
    assert finding.field == "apps.new.natural"
    assert "错误值 #DIV/0!" in finding.message and "为空" not in finding.message


def test_agency_listed_but_not_filled_is_one_finding(tmp_path: Path) -> None:
    wb = read_workbook(write_workbook(tmp_path / "e.xlsx", [{"agency": "新来的局", "year": 2024}]))
    [finding] = [f for f in wb.rows[0].findings if f.rule == "R5"]
    from annual_report.format.model import FIGURE_FIELDS

    assert "一项都没有填写" in finding.message and f"共 {len(FIGURE_FIELDS)} 项" in finding.message


def test_mistyped_key_header_is_named_as_the_near_match(tmp_path: Path) -> None:
    header = [f.key if f.key != "apps.new.natural" else "apps.new.naturl" for f in FIELDS]
    path = write_sheet(tmp_path / "k.xlsx", header, [[None] * len(header)])
    with pytest.raises(InputError, match="apps.new.naturl"):
        read_workbook(path)


def test_cell_references_when_the_sheet_starts_with_empty_rows_and_columns(tmp_path: Path) -> None:
    record = zero_record()
    record["review.total"] = -1
    keys = [f.key for f in FIELDS]
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "总表"
    for c, key in enumerate(keys, start=2):  # header in B3, rows 1-2 and column A empty
        ws.cell(row=3, column=c, value=key)
        ws.cell(row=4, column=c, value=record.get(key))
    path = tmp_path / "offset.xlsx"
    book.save(path)
    row = read_workbook(path).rows[0]
    [finding] = row.findings
    expected = f"总表!{column_letter(keys.index('review.total') + 1)}4"
    assert finding.cell == expected == row.cell("review.total")


def test_blank_as_zero_does_not_turn_an_unfilled_agency_into_a_report(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "e.xlsx", [{"agency": "新来的局", "year": 2024}])
    row = read_workbook(path, ReadOptions(blank_as_zero=True)).rows[0]
    [finding] = [f for f in row.findings if f.rule == "R5"]
    assert finding.is_error and "一项都没有填写" in finding.message


def test_chinese_mail_address_is_flagged(tmp_path: Path) -> None:
    record = zero_record()
    record["email"] = "张三@政府.cn"
    [finding] = read_workbook(write_workbook(tmp_path / "m.xlsx", [record])).rows[0].findings
    assert finding.rule == "EMAIL" and not finding.is_error and "英文" in finding.message


def test_a_column_header_given_twice_is_an_error_naming_both(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "twice.xlsx", [zero_record()])
    book = openpyxl.load_workbook(path)
    ws = book["总表"]
    extra = ws.max_column + 1
    ws.cell(row=3, column=extra, value="行政规范性文件·本年制发件数")
    ws.cell(row=5, column=extra, value="abc")
    book.save(path)
    with pytest.raises(InputError, match="表头有重复") as info:
        read_workbook(path)
    index = [f.key for f in FIELDS].index("normative.issued")
    assert column_letter(index) in str(info.value) and column_letter(extra - 1) in str(info.value)


def test_chinese_header_and_key_rows_that_disagree(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "swap.xlsx", [zero_record()])
    book = openpyxl.load_workbook(path)
    ws = book["总表"]
    keys = [c.value for c in ws[4]]
    a, b = keys.index("review.upheld") + 1, keys.index("review.corrected") + 1
    ws.cell(row=3, column=a).value, ws.cell(row=3, column=b).value = (
        ws.cell(row=3, column=b).value, ws.cell(row=3, column=a).value)
    book.save(path)
    with pytest.raises(InputError, match="都指向它"):
        read_workbook(path)


def test_csv_keeps_line_breaks_inside_cells(tmp_path: Path) -> None:
    import csv

    record = zero_record()
    record["text.overview"] = "第一段。\n第二段。\n第三段。"
    path = tmp_path / "m.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f.key for f in FIELDS])
        writer.writerow(["" if record.get(f.key) is None else record[f.key] for f in FIELDS])
    row = read_workbook(path).rows[0]
    assert row.values["text.overview"] == "第一段。\n第二段。\n第三段。"


def test_formula_results_in_money_cells_read_as_excel_shows_them(tmp_path: Path) -> None:
    record = zero_record()
    record["fees.amount"] = 12.3 * 3  # 36.900000000000006, shown by Excel as 36.9
    record["processing_fee.notice_amount"] = 0.1 + 0.2  # 0.30000000000000004
    record["processing_fee.notices"] = 1
    record["processing_fee.collected"] = 0.3
    row = read_workbook(write_workbook(tmp_path / "f.xlsx", [record])).rows[0]
    assert row.findings == []
    assert str(row.values["fees.amount"]) == "36.9"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), text=st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                           exclude_characters="_"),
    min_size=1, max_size=60).filter(lambda t: t.strip()),
    amount=st.decimals(min_value=0, max_value=10**6, places=4))
def test_any_consistent_record_round_trips_through_the_blank_workbook(
    tmp_path_factory: pytest.TempPathFactory, seed: int, text: str, amount: Decimal
) -> None:
    record = fill_consistent(zero_record(), random.Random(seed))
    record["text.overview"] = text
    record["fees.amount"] = amount
    folder = tmp_path_factory.mktemp("rt")
    row = read_workbook(write_workbook(folder / "rt.xlsx", [record])).rows[0]
    assert [f for f in row.findings if f.is_error] == []
    for key, value in record.items():
        if key.startswith(("apps.", "review.", "suit_")):
            assert row.values[key] == value, key
    assert row.values["fees.amount"] == amount
    assert row.values["text.overview"] == text.strip()


@pytest.mark.parametrize("raw", ["2024年", "2024 年度", "２０２４年", " 2024 "])
def test_report_year_written_with_nian_is_read_as_the_year(tmp_path: Path, raw: str) -> None:
    record = zero_record()
    record["year"] = raw
    row = read_workbook(write_workbook(tmp_path / "y.xlsx", [record])).rows[0]
    assert row.values["year"] == 2024 and not [f for f in row.findings if f.field == "year"]
