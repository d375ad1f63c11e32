"""Find the header of the master sheet by its content and map columns to field keys.

A header cell may hold the field key (``apps.new.natural``) or the Chinese header the blank
workbook writes, in any spelling of spaces and separators; columns may come in any order; a
column the model does not know becomes an extra field.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..format.model import FIELD_BY_KEY, FIELDS, Field
from .sheets import MAIN_SHEET, column_letter
from .values import clean_line, is_blank

HEADER_SCAN_ROWS = 15


_HEADER_NOISE = re.compile(r"[\s*＊·・•.。_\-－—–/／|｜:：、,，;；]+")


def normalise_header(text: object) -> str:
    """A header cell reduced to what identifies it: NFKC, lower case, no spaces, separators or
    required-marks, so ``一、本年新收 - 自然人`` matches ``一、本年新收·自然人``."""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return _HEADER_NOISE.sub("", folded)


_HEADER_INDEX: dict[str, str] = {}
for _f in FIELDS:
    for _name in (_f.key, _f.header):
        _norm = normalise_header(_name)
        if _HEADER_INDEX.setdefault(_norm, _f.key) != _f.key:  # pragma: no cover - model guard
            raise AssertionError(f"header {_name!r} is ambiguous after normalisation")


def match_header(text: object) -> str | None:
    """The field key a header cell names (by key or by the Chinese header), or None."""
    if is_blank(text):
        return None
    return _HEADER_INDEX.get(normalise_header(text))


@dataclass
class _Layout:
    columns: dict[str, int]
    extra_columns: dict[str, int]
    header_row: int  # 1-based
    score: int


def find_layout(grid: list[list[Any]], sheet: str) -> _Layout | None:
    scores: list[tuple[int, dict[str, int]]] = []
    twice: list[tuple[str, int, int, int]] = []  # key, header row, first column, second column
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        mapping: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = match_header(cell)
            if key and key in mapping:
                twice.append((key, r, mapping[key], c))
            elif key:
                mapping[key] = c
        scores.append((len(mapping), mapping))
    if not scores:
        return None
    best = max(s for s, _ in scores)
    if best < 2:
        return None
    header_rows = [r for r, (s, _) in enumerate(scores) if s >= max(2, best * 0.3)]
    problems = [
        f"  - 第 {r + 1} 行的 {column_letter(a)} 列和 {column_letter(b)} 列都是「{FIELD_BY_KEY[k].header}」"
        for k, r, a, b in twice if r in header_rows
    ]
    columns: dict[str, int] = {}
    for r in sorted(header_rows, key=lambda r: -scores[r][0]):
        for key, c in scores[r][1].items():
            if key in columns and columns[key] != c:
                problems.append(
                    f"  - 「{FIELD_BY_KEY[key].header}」：{column_letter(columns[key])} 列和 "
                    f"{column_letter(c)} 列的表头（第 {r + 1} 行）都指向它")
            elif key not in columns and c not in columns.values():
                columns[key] = c
    if problems:
        raise InputError(
            f"工作表「{sheet}」的表头有重复，无法确定该读哪一列：\n" + "\n".join(problems[:10])
            + "\n请删除多余的列，或改正表头（第 3 行中文列名和第 4 行键名应指同一项）。")
    last = max(header_rows)
    used = set(columns.values())
    extras: dict[str, int] = {}
    width = max((len(grid[r]) for r in header_rows), default=0)
    for c in range(width):
        if c in used:
            continue
        name = ""
        for r in header_rows:  # the first non-empty header cell of the column names it
            if c < len(grid[r]) and not is_blank(grid[r][c]):
                name = clean_line(grid[r][c])
                break
        if name and name not in extras:
            extras[name] = c
    return _Layout(columns, extras, last + 1, best)


def missing_message(missing: Sequence[Field], seen: Iterable[str], sheet: str) -> str:
    candidates = [str(s) for s in seen if not is_blank(s)]
    lines = [f"工作表「{sheet}」缺少必填的列（表头行里找不到）："]
    for f in missing[:12]:
        near = list(dict.fromkeys(
            difflib.get_close_matches(f.header, candidates, n=2, cutoff=0.6)
            + difflib.get_close_matches(f.key, candidates, n=2, cutoff=0.8)))
        hint = f"；表中相近的列：{'、'.join(near)}" if near else ""
        lines.append(f"  - {f.header}（键名 {f.key}）{hint}")
    if len(missing) > 12:
        lines.append(f"  ……共缺少 {len(missing)} 列。")
    lines.append("表头可以写中文列名或键名；请用 `python3 generate.py init` 生成空白总表对照。")
    return "\n".join(lines)


def choose_sheet(
    grids: Sequence[tuple[str, list[list[Any]]]], wanted: str | None, path: Path
) -> tuple[str, list[list[Any]], _Layout]:
    """The sheet that holds the master and its layout; ``grids`` need hold only the first rows."""
    if wanted is not None:
        named = [g for g in grids if g[0] == wanted]
        if not named:
            names = "、".join(n for n, _ in grids)
            raise InputError(f"{path.name} 中没有名为「{wanted}」的工作表；现有工作表：{names}。")
        grids = named
    found = [(name, grid, find_layout(grid, name)) for name, grid in grids]
    usable = [(n, g, lay) for n, g, lay in found if lay is not None]
    if not usable:
        raise InputError(
            f"在 {path.name} 中找不到总表的表头行（前 {HEADER_SCAN_ROWS} 行里没有“机关全称”等列名）。"
            "请用 `python3 generate.py init` 生成空白总表，按其表头填写。"
        )
    preferred = [u for u in usable if u[0] == MAIN_SHEET]
    name, grid, layout = preferred[0] if preferred else max(usable, key=lambda u: u[2].score)
    return name, grid, layout


# --- parsing rows ---------------------------------------------------------------------------------


