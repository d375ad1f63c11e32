"""Read one returned form: its identity and the value of every input cell.

Any office suite's save is read (``.xlsx``/``.xlsm`` and ``.xls``/``.ods`` through calamine, which
gives the values Excel, WPS or LibreOffice cached). In an ``.xlsx`` (openpyxl) and an ``.ods``
(:mod:`.odf`) the formulas are read too: a total shown by the form's own formula is recomputed
from the inputs when no value was cached (as in a file written by a program); any other formula
without a cached value is a problem naming the form's cell. A file that is not a form is told apart from a damaged form.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..workbook.values import clean_text, is_blank, shown
from .identity import (
    FORM_FORMAT,
    ID_SHEET,
    FormIdentity,
    IdentityProblem,
    agree,
    from_grid,
    from_ods_meta,
    from_openpyxl,
)
from .layout import FORM_SHEETS, Formula, form_layout
from .odf import formulas_without_value
from .values import Cell, FormulaProblem, content_digest, resolve

FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
OTHER_SHEETS = (".et", ".ett", ".xlsb", ".csv", ".numbers", ".wps", ".xlt", ".xltx")


class FileKind:
    """What a file turned out to be."""

    FORM = "form"  # a form, read (it may still carry problems)
    NOT_FORM = "not_form"  # no identity: some other file
    DAMAGED = "damaged"  # an identity that is damaged or contradicts itself
    UNREADABLE = "unreadable"
    OTHER_FORMAT = "other_format"


@dataclass
class FormReturn:
    """One returned form (or a file that turned out not to be one)."""

    source: str  # how to find it: the path, or "mail.eml › attachment.xlsx"
    sha256: str
    received_at: dt.datetime
    kind: str
    identity: FormIdentity | None = None
    values: dict[str, Any] = field(default_factory=dict)  # field key -> value as entered
    problems: list[str] = field(default_factory=list)  # each names the form's cell
    # totals over a text (「5件」): not merged, the master keeps its value; key -> why
    unknown: dict[str, str] = field(default_factory=dict)
    # the digest of what the form holds, its totals as the form computes them (as when issued)
    content: str = ""
    note: str = ""  # why a file is not read as a form

    @property
    def unchanged(self) -> bool:
        """The form came back exactly as it was issued (nothing filled in or changed)."""
        return self.identity is not None and (self.content or content_digest(self.values)) \
            == self.identity.content


def _grids(path: Path) -> dict[str, list[list[Any]]]:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    wanted = [*FORM_SHEETS, ID_SHEET]
    grids: dict[str, list[list[Any]]] = {}
    for name in book.sheet_names:
        if name in wanted:
            grids[name] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return grids


def _formulas(path: Path) -> tuple[dict[tuple[str, str], str], list[FormIdentity]]:
    """Formula cells ((sheet, ref) -> formula) and the identities of an ``.xlsx``."""
    import openpyxl

    with warnings.catch_warnings():  # "data validation extension not supported" and friends
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, data_only=False)
    found: dict[tuple[str, str], str] = {}
    wanted = {(s.sheet, s.ref) for s in form_layout().slots.values()}
    for sheet, ref in wanted:
        if sheet in book.sheetnames:
            value = book[sheet][ref].value
            if isinstance(value, str) and value.startswith("=") and \
                    book[sheet][ref].data_type == "f":
                found[(sheet, ref)] = value
            elif type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
                found[(sheet, ref)] = str(getattr(value, "text", "=?"))
    return found, from_openpyxl(book)


def _cell(grid: list[list[Any]], row: int, col: int) -> Any:
    if row - 1 < len(grid) and col - 1 < len(grid[row - 1]):
        return grid[row - 1][col - 1]
    return None


def _same_label(found: Any, expected: str) -> bool:
    return not is_blank(found) and "".join(str(found).split()) == "".join(expected.split())


def _structure_problems(grids: dict[str, list[list[Any]]]) -> list[str]:
    problems: list[str] = []
    for name in FORM_SHEETS:
        if name not in grids:
            problems.append(f"工作表「{name}」不见了（被删除或改名）")
    for label in form_layout().labels:
        grid = grids.get(label.sheet)
        if grid is None or label.kind == "section":
            continue
        found = _cell(grid, label.row, label.col)
        if not _same_label(found, label.text):
            problems.append(f"{label.sheet}!{label.ref} 应为「{label.text}」，现在是"
                            f"「{shown(found) if not is_blank(found) else '空'}」：表格的行或列"
                            "被插入、删除或移动过")
    return problems[:5]


def _value(raw: Any, is_text: bool) -> Any:
    if is_blank(raw):
        return None
    if isinstance(raw, float) and raw.is_integer() and not is_text:
        return int(raw)
    if is_text:
        return clean_text(raw)
    return raw


def read_form(path: Path, source: str, sha256: str, received_at: dt.datetime) -> FormReturn:
    """Read a file that may be a returned form (never raises for a bad file)."""
    result = FormReturn(source, sha256, received_at, FileKind.NOT_FORM)
    suffix = path.suffix.lower()
    if suffix == ".msg":
        result.note = ("是 Outlook 邮件文件（.msg），程序读不了：请在 Outlook 中打开这封邮件，把附件"
                       "另存为文件（或把邮件另存为 .eml）后再运行 collect")
        return result
    if suffix in OTHER_SHEETS:
        result.note = (f"是 {suffix} 格式的表格，程序读不了：如果这是交回的填报表，请让该单位在 "
                       "Excel 或 WPS 中“另存为” .xlsx 后再发回")
        return result
    if suffix not in FORM_SUFFIXES:
        result.note = "不是电子表格文件"
        return result
    try:
        grids = _grids(path)
        formulas, identities = _formulas(path) if suffix in (".xlsx", ".xlsm") else ({}, [])
    except Exception:  # calamine and openpyxl raise many types for broken or locked files
        result.kind = FileKind.UNREADABLE
        result.note = "文件无法打开（已损坏、设置了密码，或不是它的扩展名所示的格式）"
        return result
    try:
        if ID_SHEET in grids:
            sheet_identity = from_grid(grids[ID_SHEET])
            if sheet_identity is not None:
                identities.insert(0, sheet_identity)
        if suffix == ".ods":
            identities += from_ods_meta(path)
            formulas = formulas_without_value(
                path, ((s.sheet, s.ref) for s in form_layout().slots.values()))
        identity = agree(identities)
    except IdentityProblem as exc:
        result.kind = FileKind.DAMAGED
        result.note = f"{exc}，无法确定是哪个单位的表单"
        return result
    if identity is None:
        looks = sum(name in grids for name in FORM_SHEETS) >= 3
        result.note = ("有填报表的工作表，但缺少表单标识（可能是把内容复制到了新文件里）；"
                       "请让该单位在下发的原文件中填写后发回" if looks else "不是填报表")
        return result
    result.identity = identity
    if identity.format != FORM_FORMAT:
        result.kind = FileKind.OTHER_FORMAT
        result.note = f"是另一种格式的填报表（{identity.format}），本程序只收 {FORM_FORMAT}"
        return result
    result.kind = FileKind.FORM
    result.problems = _structure_problems(grids)
    if result.problems:
        return result
    cells: dict[str, Cell] = {}
    for key, slot in form_layout().slots.items():
        raw = _cell(grids[slot.sheet], slot.row, slot.col)
        formula = formulas.get((slot.sheet, slot.ref))
        if formula is not None and is_blank(raw):
            own: Formula | None = slot.computed.as_written(formula) if slot.computed else None
            if own is None:
                result.problems.append(
                    f"{slot.where} 是公式（{formula}），但文件中没有保存计算结果：请在 Excel 或 "
                    "WPS 中打开这份表，保存后再发回；或把公式改为数字")
                continue
            cells[key] = own
            continue
        cells[key] = _value(raw, key.startswith("text."))
    try:
        result.values = resolve(cells, result.unknown)
        result.content = content_digest(resolve(cells)) if result.unknown else ""
    except FormulaProblem as exc:
        result.problems.append(str(exc))
    return result
