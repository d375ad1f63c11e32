"""The sheet 汇总: a row per agency, each aggregate's totals, the evaluators' ratios.

The sheet is made of blocks: an aggregate's own row (its totals, bold) followed by its direct
children, from the top level down; agencies under no aggregate form a last block. A workbook
without any 汇总到 is one block headed by a 合计 row.

Every figure is a live formula on the master sheet (``='总表'!BC7`` or ``=SUM(...)`` of several
cells), every ratio ``=IF(denominator=0,"",numerator/denominator)`` on the figures beside it, so
the sheet and its charts follow when the office edits the master. The values those formulas give
are computed here as well (:attr:`Summary.cached`), exactly, so that a reader without a
calculation engine sees them too (:mod:`.cached` writes them into the file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from ..checks.aggregate import Hierarchy, Number
from ..format.model import APP_ROW_BY_KEY, ARTICLE_ITEMS, DECISIONS_LABEL, RESULT_ROWS
from ..workbook.cells import put
from ..workbook.rows import AgencyRow
from ..workbook.sheets import column_letter
from .sums import Rolled

SUMMARY_SHEET = "汇总"
HEADER_ROW = 4
FIRST_ROW = 5
LEAD = ("所属汇总", "机关", "类型")  # not the master's headers, so the reader never takes this sheet
Cached = Decimal | float | str  # an exact figure, a ratio, or "" (a blank ratio)


@dataclass(frozen=True)
class Column:
    """A figure column of the summary: the sum of some master fields."""

    id: str
    header: str
    group: str
    keys: tuple[str, ...]
    money: bool = False


@dataclass(frozen=True)
class Ratio:
    """A ratio column: sum of ``numerator`` columns over (``plus`` − ``minus``) columns."""

    header: str
    numerator: tuple[str, ...]
    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()


def result_keys(prefix: str) -> tuple[str, ...]:
    return tuple(f"apps.{r}.total" for r in RESULT_ROWS if r.startswith(prefix + "."))


_T2, _T3, _T4 = "主动公开（表二）", "依申请公开（表三，总计列）", "复议诉讼（表四）"
_ITEM = {prefix: label for prefix, label, _item in ARTICLE_ITEMS}
_SHORT = {key: row.short for key, row in APP_ROW_BY_KEY.items()}
_GROUP = {p: APP_ROW_BY_KEY[f"{p}.{first}"].subgroup for p, first in (
    ("denied", "state_secret"), ("unavailable", "not_held"), ("rejected", "petition"),
    ("other", "no_correction"))}

COLUMNS: tuple[Column, ...] = (
    Column("rules", f"{_ITEM['rules']}·本年制发", _T2, ("rules.issued",)),
    Column("normative", f"{_ITEM['normative']}·本年制发", _T2, ("normative.issued",)),
    *(Column(p, f"{_ITEM[p]}·{DECISIONS_LABEL}", _T2, (f"{p}.decisions",))
      for p in ("licensing", "penalty", "enforcement")),
    Column("fees", f"{_ITEM['fees']}（万元）", _T2, ("fees.amount",), money=True),
    Column("new", _SHORT["new"], _T3, ("apps.new.total",)),
    Column("carried_in", _SHORT["carried_in"], _T3, ("apps.carried_in.total",)),
    Column("granted", _SHORT["granted"], _T3, ("apps.granted.total",)),
    Column("partial", _SHORT["partial"], _T3, ("apps.partial.total",)),
    *(Column(p, _GROUP[p], _T3, result_keys(p)) for p in ("denied", "unavailable", "rejected", "other")),
    Column("results", "（七）办理结果总计", _T3, ("apps.results_total.total",)),
    Column("carried_over", _SHORT["carried_over"], _T3, ("apps.carried_over.total",)),
    Column("review", "行政复议·总计", _T4, ("review.total",)),
    Column("review_corrected", "行政复议·结果纠正", _T4, ("review.corrected",)),
    Column("review_pending", "行政复议·尚未审结", _T4, ("review.pending",)),
    Column("suit", "行政诉讼·总计", _T4, ("suit_direct.total", "suit_after_review.total")),
    Column("suit_corrected", "行政诉讼·结果纠正（败诉）", _T4,
           ("suit_direct.corrected", "suit_after_review.corrected")),
    Column("suit_pending", "行政诉讼·尚未审结", _T4,
           ("suit_direct.pending", "suit_after_review.pending")),
)
RESULT_KINDS: tuple[str, ...] = ("granted", "partial", "denied", "unavailable", "rejected", "other")
_R = "比率（分母为 0 时留空）"
RATIOS: tuple[Ratio, ...] = (
    Ratio("予以公开率", ("granted",), ("results",)),
    Ratio("公开率（含部分公开）", ("granted", "partial"), ("results",)),
    Ratio("无法提供占比", ("unavailable",), ("results",)),
    Ratio("不予处理占比", ("rejected",), ("results",)),
    Ratio("复议纠错率", ("review_corrected",), ("review",), ("review_pending",)),
    Ratio("诉讼败诉率", ("suit_corrected",), ("suit",), ("suit_pending",)),
)
COLUMN_INDEX = {c.id: len(LEAD) + i + 1 for i, c in enumerate(COLUMNS)}  # 1-based sheet column
RATIO_START = len(LEAD) + len(COLUMNS) + 1


def letter(column: int) -> str:
    return column_letter(column - 1)


@dataclass
class Block:
    """An aggregate's totals row and its direct children (``head`` None: a 合计 of the members)."""

    title: str
    head: AgencyRow | None
    members: list[AgencyRow]
    head_row: int = 0  # the block's rows on the summary sheet
    first: int = 0


@dataclass
class Summary:
    """Where each block landed, and the value of every formula cell (coordinate -> value)."""

    blocks: list[Block]
    last_row: int
    cached: dict[str, Cached] = field(default_factory=dict)

    @property
    def main(self) -> Block:
        """The block the charts show: the largest top-level aggregate (or the only block)."""
        return max(self.blocks, key=lambda b: (b.head is not None, len(b.members)))


def plan_blocks(rows: Sequence[AgencyRow], hierarchy: Hierarchy) -> list[Block]:
    """The summary's blocks, top level first, then each sub-aggregate in the order met."""
    if not hierarchy.children:
        return [Block("全部机关", None, list(rows))]
    blocks: list[Block] = []
    queue = hierarchy.roots()
    while queue:
        aggregate = queue.pop(0)
        kids = hierarchy.kids(aggregate)
        blocks.append(Block(aggregate.agency, aggregate, kids))
        queue.extend(k for k in kids if hierarchy.is_aggregate(k))
    placed = {r.row for b in blocks for r in (*b.members, *([b.head] if b.head else []))}
    loose = [r for r in rows if r.row not in placed]
    if loose:
        blocks.append(Block("未汇总的机关", None, loose))
    return blocks


_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _ref(sheet: str, key_column: int, row: int) -> str:
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{column_letter(key_column)}{row}"


class _Writer:
    def __init__(self, ws: Worksheet, master: str, rolled: Rolled) -> None:
        self.ws, self.master, self.rolled = ws, master, rolled
        self.cached: dict[str, Cached] = {}

    def agency_row(self, n: int, row: AgencyRow) -> None:
        for column in COLUMNS:
            refs = [_ref(self.master, row.columns[k], row.row) for k in column.keys
                    if k in row.columns]
            formula = f"=SUM({','.join(refs)})"  # SUM: a cell holding text counts 0, as cached
            total: Number = 0
            for key in column.keys:
                total += self.rolled.value(row, key) or 0
            self.put(n, COLUMN_INDEX[column.id], formula, total, column.money)

    def total_row(self, n: int, first: int, last: int) -> None:
        for column in COLUMNS:
            col = COLUMN_INDEX[column.id]
            span = f"{letter(col)}{first}:{letter(col)}{last}"
            values = [self.value(r, col) for r in range(first, last + 1)]
            self.put(n, col, f"=SUM({span})", sum(values, Decimal(0)), column.money)

    def value(self, n: int, col: int) -> Decimal:
        cached = self.cached[f"{letter(col)}{n}"]
        return cached if isinstance(cached, Decimal) else Decimal(0)

    def put(self, n: int, col: int, formula: str, value: Number, money: bool) -> None:
        cell = self.ws.cell(row=n, column=col, value=formula)
        cell.border = _BORDER
        self.cached[cell.coordinate] = Decimal(value)
        if money:
            cell.number_format = "0.0000"

    def ratios(self, n: int) -> None:
        """``=IF(den=0,"",num/den)`` on the row's figure cells, and its value."""
        for i, ratio in enumerate(RATIOS):
            num = _cells(ratio.numerator, n)
            den = _cells(ratio.plus, n) + "".join(f"-{_cells((c,), n)}" for c in ratio.minus)
            num = f"({num})" if len(ratio.numerator) > 1 else num
            den = f"({den})" if len(ratio.plus) + len(ratio.minus) > 1 else den
            cell = self.ws.cell(row=n, column=RATIO_START + i, value=f'=IF({den}=0,"",{num}/{den})')
            cell.number_format = "0.0%"
            cell.border = _BORDER
            top = self.total(ratio.numerator, n)
            bottom = self.total(ratio.plus, n) - self.total(ratio.minus, n)
            self.cached[cell.coordinate] = "" if bottom == 0 else float(top) / float(bottom)

    def total(self, ids: tuple[str, ...], n: int) -> Decimal:
        return sum((self.value(n, COLUMN_INDEX[c]) for c in ids), Decimal(0))


def _cells(ids: tuple[str, ...], n: int) -> str:
    """``G5+H5``: the cells of figure columns ``ids`` in row ``n``, added."""
    return "+".join(f"{letter(COLUMN_INDEX[c])}{n}" for c in ids)


def write_summary(ws: Worksheet, master: str, blocks: list[Block], rolled: Rolled,
                  year: int | None) -> Summary:
    """Fill the (empty) sheet ``ws`` with the blocks; return where they are and the values."""
    writer = _Writer(ws, master, rolled)
    width = RATIO_START + len(RATIOS) - 1
    ws.cell(row=1, column=1, value=f"{year or ''}年度政府信息公开工作汇总表").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=(
        f"数字是引用“{master}”工作表的公式，改动总表后本表和图表自动更新；比率在分母为 0 时留空，"
        "定义见 docs/rollup.md；每个汇总行（加粗）之下是它的直接下级。"))
    _header(ws, width)
    n = FIRST_ROW
    for block in blocks:
        block.head_row, block.first = n, n + 1
        last = n + len(block.members)
        _lead(ws, n, block.title, block.head.agency if block.head else "合计",
              "汇总行" if block.head else "合计", head=True)
        for i, member in enumerate(block.members, start=n + 1):
            _lead(ws, i, block.title, member.agency, "机关", head=False)
            writer.agency_row(i, member)
            writer.ratios(i)
        if block.head is not None:
            writer.agency_row(n, block.head)
        else:
            writer.total_row(n, n + 1, last)
        writer.ratios(n)
        for col in range(1, width + 1):
            ws.cell(row=n, column=col).font = Font(bold=True)
            ws.cell(row=n, column=col).fill = _TOTAL_FILL
        n = last + 2  # a blank line between blocks
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=len(LEAD) + 1).coordinate
    ws.page_setup.orientation = "landscape"
    return Summary(blocks, n - 2, writer.cached)


def _lead(ws: Worksheet, n: int, block: str, name: str, kind: str, head: bool) -> None:
    for col, value in enumerate((block, name, kind), start=1):
        cell = put(ws, n, col, value)  # a name starting with "=" stays text
        cell.border = _BORDER
    ws.cell(row=n, column=2).alignment = Alignment(indent=0 if head else 1)


def _header(ws: Worksheet, width: int) -> None:
    groups = [""] * len(LEAD) + [c.group for c in COLUMNS] + [_R] * len(RATIOS)
    heads = [*LEAD, *(c.header for c in COLUMNS), *(r.header for r in RATIOS)]
    start = 1
    for col in range(2, width + 2):
        if col == width + 1 or groups[col - 1] != groups[start - 1]:
            if groups[start - 1]:
                ws.cell(row=HEADER_ROW - 1, column=start, value=groups[start - 1]).alignment = _CENTER
                if col - start > 1:
                    ws.merge_cells(start_row=HEADER_ROW - 1, start_column=start,
                                   end_row=HEADER_ROW - 1, end_column=col - 1)
            start = col
    for col, text in enumerate(heads, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font = Font(bold=True)
        cell.alignment = _CENTER
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        ws.column_dimensions[letter(col)].width = 30 if col == 2 else 12 if col > len(LEAD) else 16
    ws.row_dimensions[HEADER_ROW].height = 48
