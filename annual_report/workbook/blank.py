"""Write the master workbook: the blank one of ``init``, or one filled with given records.

Layout of the sheet 总表 (all derived from :mod:`annual_report.format.model`):

* row 1 — the section or table a column belongs to (merged across its columns);
* row 2 — the official table row label (merged across the row's columns);
* row 3 — the unique Chinese column header, which the reader matches;
* row 4 — the machine key (``apps.new.natural``), which the reader matches as well;
* row 5 on — one agency a row.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook as XLWorkbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..format.model import FIELD_BY_KEY, FIELDS, TABLE3_NOTE, Field, Kind, iter_groups
from ..outputs import atomic_write_bytes
from .cells import put
from .sheets import MAIN_SHEET, column_letter

FIRST_DATA_ROW = 5
VALIDATED_ROWS = 2000
GUIDE_SHEET = "填表说明"

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_GROUP_FILLS = ["DCE6F1", "EBF1DE", "FDE9D9", "E4DFEC", "DAEEF3", "FCE4D6", "F2F2F2", "FFF2CC"]
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _width(f: Field) -> float:
    if f.kind is Kind.TEXT:
        return 40
    if f.key == "agency":
        return 30
    if f.kind in (Kind.EMAIL, Kind.LINE):
        return 24
    return 11


def _merge_runs(
    ws: Worksheet, row: int, labels: list[str], runs: list[str], fill_by_col: list[str]
) -> None:
    """Write ``labels`` in ``row``, merging consecutive columns whose ``runs`` entry is equal."""
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or runs[i] != runs[start]:
            cell = ws.cell(row=row, column=start + 1, value=labels[start])
            cell.alignment = _CENTER
            cell.font = Font(bold=row == 1)
            for c in range(start, i):
                ws.cell(row=row, column=c + 1).fill = PatternFill("solid", fgColor=fill_by_col[c])
                ws.cell(row=row, column=c + 1).border = _BORDER
            if i - start > 1:
                ws.merge_cells(start_row=row, start_column=start + 1, end_row=row, end_column=i)
            start = i


def _write_header(ws: Worksheet) -> None:
    fills: list[str] = []
    for n, (_group, fields) in enumerate(iter_groups()):
        fills += [_GROUP_FILLS[n % len(_GROUP_FILLS)]] * len(fields)
    groups = [f.group for f in FIELDS]
    _merge_runs(ws, 1, groups, groups, fills)
    _merge_runs(ws, 2, [f.subgroup for f in FIELDS], [f"{f.group}|{f.subgroup}" for f in FIELDS],
                fills)
    for c, f in enumerate(FIELDS, start=1):
        head = ws.cell(row=3, column=c, value=f.header)
        head.alignment = _CENTER
        head.font = Font(bold=True, color="C00000" if f.required else "000000")
        head.fill = PatternFill("solid", fgColor=fills[c - 1])
        head.border = _BORDER
        key = ws.cell(row=4, column=c, value=f.key)
        key.font = Font(size=8, color="808080")
        key.alignment = Alignment(horizontal="center")
        ws.column_dimensions[column_letter(c - 1)].width = _width(f)
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 45
    ws.row_dimensions[3].height = 45
    ws.freeze_panes = f"B{FIRST_DATA_ROW}"


def _add_validation(ws: Worksheet) -> None:
    counts = DataValidation(
        type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorTitle="只能填整数", error="请填写不小于 0 的整数；没有发生填 0。",
    )
    money = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorTitle="只能填金额", error="请填写不小于 0 的数字（金额）；没有填 0。",
    )
    year = DataValidation(
        type="whole", operator="between", formula1="2000", formula2="2100", allow_blank=True,
        showErrorMessage=True, errorTitle="年度", error="请填写四位数字年份，如 2024。",
    )
    last = FIRST_DATA_ROW + VALIDATED_ROWS - 1
    for c, f in enumerate(FIELDS):
        ref = f"{column_letter(c)}{FIRST_DATA_ROW}:{column_letter(c)}{last}"
        if f.kind is Kind.COUNT:
            counts.add(ref)
        elif f.kind in (Kind.MONEY_WAN, Kind.MONEY_YUAN):
            money.add(ref)
        elif f.kind is Kind.YEAR:
            year.add(ref)
    for dv in (counts, money, year):
        ws.add_data_validation(dv)


_AGGREGATE_GUIDE: tuple[tuple[str, str, str], ...] = tuple(("汇总", "", text) for text in (
    "“汇总到”列可空：填汇总行的机关全称（一字不差），本行的数字就计入那一行。被别的行填写的行就是汇总行，"
    "如全区汇总行“××区人民政府”；可以多级：镇（街道）的站所汇总到镇（街道），镇（街道）和区级部门再汇总到全区。",
    "汇总行的每个数字应等于下级之和（A1，逐格核对）。汇总行的数字可以先留空，运行 "
    "python3 generate.py rollup 总表.xlsx --into 总表-汇总.xlsx 按下级之和自动填写；已填的数字不会被改动。",
    "汇总行只放下级之和。汇总单位本身（本级）的数字另起一行作为它的下级，如“××区人民政府办公室”或"
    "“××镇人民政府（本级）”，“汇总到”填汇总行；这一行也是普通的一行，也会生成报告。",
    "规章、规范性文件的“现行有效件数”是汇总单位自己的，默认不按下级相加，请在汇总行直接填写；"
    "确需相加时，check 和 rollup 都加 --sum-in-force。",
    "汇总行的正文请本单位撰写：rollup 在汇总行正文单元格的批注中写出汇总后的件数和一句可直接使用的话"
    "（正文中的件数须与表格一致）。",
    "“汇总到”找不到、填了本行自己或几行互相汇总成环，是错误（A3）；下级有错误或缺数字时，"
    "汇总行的核对只作提醒（A2）。",
))


def _guide_lines() -> list[tuple[str, str, str]]:
    lines: list[tuple[str, str, str]] = [
        ("总则", "", "每个机关填一行，从第 5 行开始；第 3 行是列名，第 4 行是键名，请勿修改。"),
        ("总则", "", "所有数字单元格都必须填写：没有发生的填 0，不要留空，也不要填“/”“-”“无”。"),
        ("总则", "", "正文单元格内一段一行（单元格内换行：Excel 按 Alt+Enter，WPS 同）。"),
        ("表三", "", "每行：六类申请人之和等于总计。每列：" + TABLE3_NOTE.strip("（）") + "。"),
        ("表三", "", "（七）总计等于（一）至（六）各项之和。"),
        ("表四", "", "每组：结果维持＋结果纠正＋其他结果＋尚未审结＝总计。"),
        ("正文", "", "正文中写到的件数（收到申请、办结、结转、复议、诉讼、规范性文件）必须与表格一致。"),
        *_AGGREGATE_GUIDE,
    ]
    for f in FIELDS:
        lines.append((f.group, f"{f.header}（{f.key}）", f.note or ""))
    return lines


def _write_guide(book: XLWorkbook) -> None:
    ws = book.create_sheet(GUIDE_SHEET)
    ws.append(["分组", "列名（键名）", "填写要求"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for line in _guide_lines():
        ws.append(list(line))
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 48
    ws.column_dimensions["C"].width = 80


def _cell_value(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value) if f.kind.is_figure else str(value)
    if isinstance(value, (list, tuple)):
        return "；".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value
    return value


def new_workbook(records: Iterable[Mapping[str, Any]] = ()) -> XLWorkbook:
    """A master workbook with the standard header and the given records (field key -> value)."""
    book = XLWorkbook()
    ws = book.active
    assert ws is not None
    ws.title = MAIN_SHEET
    _write_header(ws)
    _add_validation(ws)
    wrap = Alignment(wrap_text=True, vertical="top")
    records = list(records)
    extras: list[str] = []
    for record in records:  # keys outside the model become extra columns after the standard ones
        extras += [k for k in record if k not in FIELD_BY_KEY and k not in extras]
    for c, name in enumerate(extras, start=len(FIELDS) + 1):
        put(ws, 3, c, name).font = Font(bold=True)
    for r, record in enumerate(records, start=FIRST_DATA_ROW):
        for c, f in enumerate(FIELDS, start=1):
            value = _cell_value(f, record.get(f.key))
            if value is not None:
                cell = put(ws, r, c, value)
                if f.kind is Kind.TEXT:
                    cell.alignment = wrap
        for c, name in enumerate(extras, start=len(FIELDS) + 1):
            if record.get(name) is not None:
                put(ws, r, c, record[name])
    _write_guide(book)
    return book


def write_workbook(path: Path | str, records: Iterable[Mapping[str, Any]] = ()) -> Path:
    """Write a master workbook atomically (a half-written file never appears)."""
    import io

    path = Path(path)
    buffer = io.BytesIO()
    new_workbook(records).save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is>'
                     rb'<t(?: xml:space="preserve")?>(.*?)</t></is></c>', re.S)
_SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
             b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
_SST_REL = (b'<Relationship Id="rIdSharedStrings" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')


def share_strings(path: Path, reverse: bool = False) -> Path:
    """The workbook at ``path`` with its texts stored as Excel and WPS save them: once each in
    ``xl/sharedStrings.xml``, in UTF-8, numbered in the order of first use (``reverse``: the
    other way round). openpyxl writes every text inline as character references; the cells read
    the same either way. Used to make workbooks like those users bring back (tests, bench)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    texts: dict[str, int] = {}
    for info, data in parts:
        if info.filename.startswith("xl/worksheets/sheet"):
            for match in _INLINE.finditer(data):
                texts.setdefault(html.unescape(match.group(3).decode()), len(texts))
    number = {text: len(texts) - 1 - i if reverse else i for text, i in texts.items()}

    def shared(match: re.Match[bytes]) -> bytes:
        index = number[html.unescape(match.group(3).decode())]
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), index)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _INLINE.sub(shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", _SST_TYPE + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _SST_REL + b"</Relationships>")
            out.writestr(info.filename, data)
        items = "".join(f'<si><t xml:space="preserve">{html.escape(text, quote=False)}</t></si>'
                        for text in sorted(texts, key=number.__getitem__))
        out.writestr("xl/sharedStrings.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
            f'schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(texts)}" '
            f'uniqueCount="{len(texts)}">{items}</sst>').encode())
    atomic_write_bytes(path, buffer.getvalue())
    return path
