"""Every figure of tables 二, 三 and 四 found by its row and column labels, never by position.

Labels are compared after :func:`~.blocks.norm` (no spaces, full width folded, punctuation
variants dropped) and without their numbering, by the words that tell the rows and columns of the
format apart, so other column orders, merged or split cells, subtotal rows and a 小计 column (the
28 × 8 variant) are read alike. A figure is taken only when exactly one printed cell gives it; two
cells that disagree, a cell spanning two columns, or a cell that is not a clear number leave the
field blank with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..format.model import APP_COLUMN_LABEL, APP_ROW_BY_KEY, FIELD_BY_KEY
from .blocks import Block, Cell, Printed, Table, norm, read_figure, refers_elsewhere, strip_number

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Found:
    """Figures read from the tables: key -> printed value, where it was read, or why not."""

    values: dict[str, Printed] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    tables: set[str] = field(default_factory=set)  # "二", "三", "四", "费" seen
    notes: list[str] = field(default_factory=list)

    def put(self, key: str, printed: Printed, where: str) -> None:
        if key in self.problems:
            return
        if printed.problem:
            self.problems[key] = f"{where}{printed.problem}"
            self.values.pop(key, None)
            return
        if key in self.values and self.values[key].value != printed.value:
            old = self.values.pop(key)
            self.problems[key] = (f"两处印的不一样（{self.where[key]}为{_shown(old)}，{where}为"
                                  f"{_shown(printed)}），无法确定")
            return
        self.values[key] = printed
        self.where.setdefault(key, where)


def _shown(printed: Printed) -> str:
    return "空白" if printed.value is None else f"「{printed.value}」"


# A figure with a note after it (「0（无）」, 「4注」, 「30（注1）」) is no label; a numbered label
# (「1.属于国家秘密」, 「2、重复申请」) or a year (「2024年」) is one.
_NOTED_FIGURE = re.compile(r"[0-9０-９]+(?:[.．,，][0-9０-９]+)*(?![0-9０-９.．、年])")


def is_label(cell: Cell) -> bool:
    """A printed label (has Chinese words and is not a figure such as 「无」 or 「3件」, nor a
    figure with a note after it, nor a pointer to an attachment such as 「见附件」 where a
    figure stands)."""
    text = cell.text.strip()
    return (bool(_CJK.search(text)) and read_figure(text).problem != ""
            and not _NOTED_FIGURE.match(text) and not refers_elsewhere(text))


def _where(table: Table, name: str, r: int, c: int) -> str:
    """Grid position (r, c) as a reader counts it: rows as printed on their page, and the cells
    of row r up to c, a cell merged across columns counted once."""
    where, row = table.printed_at(r)
    cells = table.grid[r][:c + 1] if r < len(table.grid) else []
    column = len(_distinct(cells)) if cells else c + 1
    return f"{where}表{name}第 {row + 1} 行第 {column} 列"


# --- table 三 -------------------------------------------------------------------------------------

_ROW_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new", ("新收",)), ("carried_in", ("上年结转",)), ("carried_over", ("结转下年",)),
    ("partial", ("部分公开",)), ("granted", ("予以公开",)),
    ("denied.state_secret", ("国家秘密",)), ("denied.prohibited", ("禁止公开",)),
    ("denied.security", ("三安全",)), ("denied.third_party", ("第三方",)),
    ("denied.internal", ("内部事务",)), ("denied.deliberative", ("过程性",)),
    ("denied.enforcement_file", ("执法案卷",)), ("denied.query", ("查询事项", "行政查询")),
    ("unavailable.not_held", ("不掌握",)), ("unavailable.needs_creation", ("另行制作", "没有现成")),
    ("unavailable.unclear", ("仍不明确", "补正后申请")),
    ("rejected.petition", ("信访", "举报投诉")), ("rejected.duplicate", ("重复申请",)),
    ("rejected.publication", ("出版物",)), ("rejected.excessive", ("大量反复",)),
    ("rejected.confirmation", ("重新出具", "确认或")),
    ("other.no_correction", ("不补正",)), ("other.unpaid_fee", ("收费通知", "缴纳费用")),
)
assert all(key in APP_ROW_BY_KEY for key, _ in _ROW_WORDS)


def app_row(label: str) -> str | None:
    """The table-三 row key a printed row label names (its most specific part)."""
    bare = norm(strip_number(label.strip()))
    keys = {key for key, words in _ROW_WORDS if any(w in bare for w in words)}
    if keys:
        return keys.pop() if len(keys) == 1 else None  # a label naming two rows is no row
    if bare in ("其他", "其它"):
        return "other.other"
    if bare in ("总计", "合计"):
        return "results_total"
    return None


SUBTOTAL = "subtotal"


def app_column(label: str) -> str | None:
    """The table-三 column key of a printed column label (``subtotal`` for 小计)."""
    bare = norm(strip_number(label))
    for key, text in APP_COLUMN_LABEL.items():
        if key not in ("other_org", "total") and norm(text) in bare:
            return key
    if bare in ("其他", "其它", "其他组织", "其他法人或其他组织"):
        return "other_org"
    if bare in ("小计", "法人或其他组织小计", "小计法人或其他组织"):
        return SUBTOTAL
    if bare in ("总计", "合计", "申请人总计"):
        return "total"
    if "公益组织" in bare:
        return "nonprofit"
    if "法律服务" in bare:
        return "legal"
    return None


def _distinct(cells: list[Cell]) -> list[Cell]:
    seen: list[Cell] = []
    for cell in cells:
        if not any(cell is s for s in seen):
            seen.append(cell)
    return seen


def read_table3(table: Table, found: Found) -> bool:
    """Table 三 as the format lays it out (the results down the side), or transposed (the
    results across the top, the applicants down the side); messages name the cell as printed."""
    if _read_table3(table.grid, lambda r, c: _where(table, "三", r, c), found):
        return True
    width = table.width
    turned = [[row[c] if c < len(row) else Cell("") for row in table.grid] for c in range(width)]
    return _read_table3(turned, lambda r, c: _where(table, "三", c, r), found)


def _read_table3(grid: list[list[Cell]], at: Callable[[int, int], str], found: Found) -> bool:
    start = next((r for r, row in enumerate(grid)
                  if any(app_row(c.text) in ("new", "carried_in", "granted") for c in row
                         if is_label(c))), None)
    if start is None or start == 0:
        return False
    columns: dict[int, str] = {}
    headers: dict[int, Cell] = {}
    for c in range(max(len(row) for row in grid)):
        above = [grid[r][c] for r in range(start) if grid[r][c].text.strip()]
        if above and (key := app_column(above[-1].text)) is not None:
            columns[c], headers[c] = key, above[-1]
    if sum(1 for k in columns.values() if k != SUBTOTAL) < 2:
        return False
    found.tables.add("三")
    if SUBTOTAL in columns.values():
        found.notes.append("表三有“小计”列（法人或其他组织小计），总表没有这一列，未导入。")
    # the columns under one header (a split cell); a key has more than one such group where two
    # headers name it (「合计」 beside 「总计」), and each group is then a printed figure of its own
    by_key: dict[tuple[str, int], list[int]] = {}
    for c, key in columns.items():
        by_key.setdefault((key, id(headers[c])), []).append(c)
    first_value = min(columns)
    for r in range(start, len(grid)):
        row = grid[r]
        labels = [c for c in _distinct(row[:first_value]) if c.text.strip()]
        key = app_row(labels[-1].text) if labels else None
        values = {c: row[c] for c in columns}
        if key is None:
            has_values = any(cell.text.strip() for cell in values.values())
            subtotal = any("小计" in norm(x.text) for x in labels)
            if has_values and not subtotal:
                name = labels[-1].text[:20] if labels else "（没有行名）"
                found.notes.append(f"{at(r, 0)}「{name}」不是本格式的行，其数字未导入。")
            continue
        for (col_key, _header), cols in by_key.items():
            if col_key == SUBTOTAL:
                continue
            field_key = f"apps.{key}.{col_key}"
            cells = _distinct([row[c] for c in cols])
            spans = [c for c in columns if row[c] is cells[0] and columns[c] != col_key]
            where = at(r, cols[0])
            if spans:
                found.problems.setdefault(field_key, f"{where}的单元格跨了两列（"
                                          f"{APP_COLUMN_LABEL.get(col_key, col_key)}和另一列），无法确定属于哪一列")
                continue
            texts = [c.text for c in cells if c.text.strip()]
            if len(cells) > 1 and len({norm(t) for t in texts}) > 1:
                found.problems.setdefault(field_key, f"{where}一格被拆成几格，印着「{'」「'.join(texts)}」，无法确定")
                continue
            found.put(field_key, read_figure(texts[0] if texts else ""), where)
    return True


# --- table 四 ---------------------------------------------------------------------------------

_PARTS = (("upheld", ("维持",)), ("corrected", ("纠正",)), ("pending", ("未审结", "审理中")),
          ("other", ("其他",)), ("total", ("总计", "合计")))


def _part(label: str) -> str | None:
    return _first(label, _PARTS)


def _group(text: str) -> str | None:
    if "复议后起诉" in text or "经复议后" in text:
        return "suit_after_review"
    if "未经复议" in text or "直接起诉" in text:
        return "suit_direct"
    if "复议" in text and "诉讼" not in text:
        return "review"
    return None


def _across(row: list[Cell]) -> bool:
    """One cell across the whole row (a title or caption row)."""
    return len(row) > 1 and all(c is row[0] for c in row)


def read_table4(table: Table, found: Found) -> bool:
    grid = table.grid
    text = norm(" ".join(c.text for row in grid for c in row))
    if "复议" not in text or "维持" not in text:
        return False
    hit = False
    seen: list[Cell] = []
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if any(cell is s for s in seen):
                continue
            seen.append(cell)
            if is_label(cell):
                continue
            above = _distinct([grid[i][c] for i in range(r) if is_label(grid[i][c])
                               and not _across(grid[i])])  # not a title row inside the table
            left = _distinct([row[j] for j in range(c) if is_label(row[j])])
            if not above and not left:
                continue
            group = _group(norm(" ".join(x.text for x in above + left)))
            part = _part(above[-1].text) if above else None
            if part is None and left:
                part = _part(left[-1].text)
            if group is None or part is None:
                continue
            hit = True
            found.put(f"{group}.{part}", read_figure(cell.text), _where(table, "四", r, c))
    if hit:
        found.tables.add("四")
    return hit


# --- table 二 ---------------------------------------------------------------------------------

_ITEMS = (("normative", ("规范性文件",)), ("rules", ("规章",)), ("licensing", ("行政许可",)),
          ("penalty", ("行政处罚",)), ("enforcement", ("行政强制",)), ("fees", ("事业性收费",)))
_COLUMNS = (("issued", ("制发", "新制定", "制定")), ("repealed", ("废止",)),
            ("in_force", ("现行有效",)), ("decisions", ("处理决定",)), ("amount", ("收费金额",)))


def _first(label: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    """The one key whose words the label has (None for none, or for a label naming several)."""
    bare = norm(label)
    keys = [k for k, words in table if any(w in bare for w in words)]
    return keys[0] if len(keys) == 1 else None


def _heads(grid: list[list[Cell]], r: int, c: int) -> list[str]:
    """The labels right above a figure in its column (its header and the caption above it)."""
    heads: list[str] = []
    for i in range(r - 1, -1, -1):
        if is_label(grid[i][c]):
            heads.append(grid[i][c].text)
            if len(heads) == 3:
                break
        elif heads:
            break
    return heads


def _table2_key(left: Cell, above: Cell) -> tuple[str, Cell] | None:
    """The field a figure gives, by its row label and column label: the items down the side
    (the format's layout) or across the top (a transposed table); with the label that heads
    the figure's group (a header spanning several cells)."""
    for item_label, column_label in ((left, above), (above, left)):
        # a label may name two columns where only one is a field of the item
        # (「本年处理决定数量/收费金额」 over 行政许可 and 行政事业性收费)
        keys = [f"{item}.{column}" for item in _all(item_label.text, _ITEMS)
                for column in _all(column_label.text, _COLUMNS)
                if f"{item}.{column}" in FIELD_BY_KEY]
        if len(_all(item_label.text, _ITEMS)) == 1 and len(keys) == 1:
            return keys[0], column_label
    return None


def _all(label: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    bare = norm(label)
    return [k for k, words in table if any(w in bare for w in words)]


def read_table2(table: Table, found: Found) -> bool:
    grid = table.grid
    # key -> the printed cells of each group (one header's cells in one row), in order
    groups: dict[tuple[str, int, int], list[tuple[Cell, int, int]]] = {}
    seen: list[Cell] = []
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if any(cell is s for s in seen) or is_label(cell):
                continue
            seen.append(cell)
            left = _distinct([row[j] for j in range(c) if is_label(row[j]) and not _across(row)])
            above = next((grid[i][c] for i in range(r - 1, -1, -1) if is_label(grid[i][c])
                          and not _across(grid[i])), None)
            if not left or above is None:
                continue
            hit = _table2_key(left[-1], above)
            if hit is not None:
                groups.setdefault((hit[0], r, id(hit[1])), []).append((cell, r, c))
    for (key, _r, _header), cells in groups.items():
        cell, r, c = cells[0]
        where = _where(table, "二", r, c)
        heads = [*_heads(grid, r, c), *(x.text for x in grid[r][:c] if is_label(x))]
        if key.endswith(".amount") and not any("万元" in norm(h) for h in heads):
            found.problems.setdefault(
                key, f"{where}：收费金额的单位没有写明是万元（印的是「{heads[0] if heads else ''}」），无法确定")
            continue
        texts = list(dict.fromkeys(x.text.strip() for x, _, _ in cells if x.text.strip()))
        if len(texts) > 1:  # one header over several cells that print different things
            found.problems.setdefault(key, f"{where}一格被拆成几格，印着「{'」「'.join(texts)}」，无法确定")
            continue
        found.put(key, read_figure(texts[0] if texts else "", money=key.endswith(".amount")), where)
    if groups:
        found.tables.add("二")
    return bool(groups)


def read_tables(blocks: list[Block]) -> Found:
    """Every figure of the tables among ``blocks``."""
    found = Found()
    for block in blocks:
        if isinstance(block, Table) and block.grid:
            if not read_table3(block, found):
                if not read_table4(block, found):
                    read_table2(block, found)
    return found
