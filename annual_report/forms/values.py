"""The values of a form: totals the form computes, resolved the same way when a form is written
(to know what it was issued with) and when it is read back (a total shown by the form's own
formula is recomputed from the inputs, so no value cached by Excel is needed)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..format.model import FIELD_BY_KEY, Kind
from ..workbook.values import clean_text, is_blank
from .layout import Formula, form_layout

Cell = Any  # a cell's value as read (None, str, int, float, datetime ...) or a Formula


class FormulaProblem(Exception):
    """A total cannot be computed: its message names the cell (Chinese)."""


def _slot_by_ref() -> dict[tuple[str, str], str]:
    return {(s.sheet, s.ref): key for key, s in form_layout().slots.items()}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(format(value, ".15g"))
    if isinstance(value, Decimal):
        return value
    return None


class _Unknown(Exception):
    """A total over a text: what the agency meant it to be is not known."""


def resolve(cells: Mapping[str, Cell], unknown: dict[str, str] | None = None) -> dict[str, Any]:
    """Field key -> value, with every :class:`Formula` replaced by the figure it computes.

    SUM skips blanks and texts (as Excel does); ``=N+B6-C6`` counts a blank as 0 and cannot be
    computed over a text (Excel shows #VALUE!), which raises :class:`FormulaProblem`. Given
    ``unknown``, a SUM over a text (「5件」) is not a figure either: the total, and every total
    computed from it, is left out of the result and its key mapped to why (Chinese).
    """
    by_ref = _slot_by_ref()
    slots = form_layout().slots
    done: dict[str, Any] = {}

    def value_of(key: str, depth: int = 0) -> Any:
        if key in done:
            return done[key]
        cell = cells.get(key)
        if isinstance(cell, Formula):
            if depth > 5:  # pragma: no cover - the layout's totals nest two deep at most
                raise FormulaProblem(f"{slots[key].where} 的公式循环引用")
            try:
                cell = compute(key, cell, depth)
            except _Unknown as why:
                assert unknown is not None
                unknown.setdefault(key, str(why))
                cell = _UNKNOWN
        done[key] = cell
        return cell

    def compute(key: str, formula: Formula, depth: int) -> int | Decimal:
        sheet = slots[key].sheet
        is_sum = not formula.minus and not formula.const_pattern
        total = Decimal(formula.const)
        for refs, sign in ((formula.plus, 1), (formula.minus, -1)):
            for ref in refs:
                part_key = by_ref[(sheet, ref)]
                part = value_of(part_key, depth + 1)
                if part is _UNKNOWN:
                    raise _Unknown(unknown[part_key] if unknown else "")
                number = _number(part)
                if number is None and not is_blank(part) and is_sum and unknown is not None:
                    raise _Unknown(f"{slots[key].where} 的合计要用 {sheet}!{ref}，那里填的是「{part}」，"
                                   "不是数字")
                if number is None and not is_blank(part) and not is_sum:
                    raise FormulaProblem(
                        f"{slots[key].where} 的公式要用 {sheet}!{ref}，但那里填的不是数字"
                        f"（「{part}」）")
                total += sign * (number or 0)
        if FIELD_BY_KEY[key].kind is Kind.COUNT and total == total.to_integral_value():
            return int(total)
        return total

    for key in cells:
        value_of(key)
    return {key: value for key, value in done.items() if value is not _UNKNOWN}


_UNKNOWN = object()


def canonical(value: Any) -> str:
    """A value as compared between issue and return: 3, 3.0 and "3" are the same figure."""
    if is_blank(value):
        return ""
    number = _number(value)
    if number is not None:
        return format(number.normalize(), "f") if number else "0"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return clean_text(value)


def content_digest(values: Mapping[str, Any]) -> str:
    """A digest of a form's figures and texts (to tell a form returned unchanged)."""
    digest = hashlib.sha256()
    for key in sorted(values):
        digest.update(f"{key}\0{canonical(values[key])}\0".encode())
    return digest.hexdigest()[:16]
