"""Raw sheets from workbook files: every cell as read, for the reader and the annotated copy.

``.xlsx``/``.xlsm``/``.xls``/``.ods`` are read with python-calamine (cached values only), ``.csv``
as UTF-8 or GB18030. A file that cannot be read raises :class:`InputError`, in Chinese.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from ..errors import InputError

MAIN_SHEET = "总表"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def load_grids(path: Path, wanted: str | None = None) -> list[tuple[str, list[list[Any]]]]:
    """Sheets as (name, rows) of raw values, [0][0] = A1: the wanted or master sheet, else all."""
    if not path.exists():
        raise InputError(f"找不到文件：{path}。请检查路径和文件名。")
    if path.is_dir():
        raise InputError(f"{path} 是文件夹，不是工作簿。请给出 .xlsx 文件的路径。")
    suffix = path.suffix.lower()
    if suffix == ".csv":  # one table: called 总表 so references read as in the .xlsx
        return [(MAIN_SHEET, _read_csv(path))]
    if suffix not in WORKBOOK_SUFFIXES:
        raise InputError(
            f"无法读取 {path.name}：只支持 .xlsx、.xls、.ods 和 .csv 文件。"
            "请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后重试。"
        )
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if wanted is None and MAIN_SHEET in names:
            names = [MAIN_SHEET]  # the usual case: read only the master sheet
        elif wanted is not None and wanted in names:
            names = [wanted]
        grids = []
        for name in names:
            sheet = book.get_sheet_by_name(name)
            # skip_empty_area=False: the grid starts at A1 whatever the first used cell is
            grids.append((name, sheet.to_python(skip_empty_area=False)))
        return grids
    except python_calamine.PasswordError as exc:
        raise InputError(
            f"无法读取 {path.name}：文件设置了打开密码。请在 Excel 或 WPS 中取消密码后另存，再重试。"
        ) from exc
    except Exception as exc:  # calamine raises a handful of unrelated types for broken files
        raise InputError(
            f"无法读取 {path.name}：文件已损坏、已加密或不是 Excel 工作簿。"
            "请用 Excel 或 WPS 打开确认后，“另存为” .xlsx 再重试。"
        ) from exc


def _read_csv(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise InputError(f"无法读取 {path.name}：文件编码无法识别，请另存为 UTF-8 编码的 CSV。")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    # newline='' keeps the line breaks inside quoted cells (one paragraph a line)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


# --- header detection -----------------------------------------------------------------------------


FORMULA_WITHOUT_VALUE = "formula"


def unreadable_cells(path: Path, sheet: str) -> dict[str, str]:
    """Cells of an ``.xlsx`` sheet that hold no usable value: reference (``B7``) ->
    :data:`FORMULA_WITHOUT_VALUE` or the error value (``#DIV/0!``)."""
    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as archive:
            book = etree.fromstring(archive.read("xl/workbook.xml"))
            rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            target = None
            for s in book.iter(f"{ns}sheet"):
                if s.get("name") == sheet:
                    rid = s.get(f"{rel_ns}id")
                    for rel in rels:
                        if rel.get("Id") == rid:
                            target = rel.get("Target", "")
            if not target:
                return {}
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            found: dict[str, str] = {}
            with archive.open(part) as stream:
                for _event, cell in etree.iterparse(stream, tag=f"{ns}c"):
                    formula = cell.find(f"{ns}f")
                    value = cell.find(f"{ns}v")
                    if cell.get("t") == "e":
                        found[cell.get("r", "")] = (value.text if value is not None else "") or "#错误"
                    elif formula is not None and (value is None or not value.text):
                        found[cell.get("r", "")] = FORMULA_WITHOUT_VALUE
                    cell.clear()
            return found
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return {}
