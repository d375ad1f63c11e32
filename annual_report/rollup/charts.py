"""Native charts on the sheet 汇总 (openpyxl charts: live on the cells, editable in Excel/WPS).

For the main block (the largest top-level aggregate, or all agencies): the new applications of
each member (bar), the composition of each member's results (stacked bar), and the composition of
the aggregate's own results (pie). Series titles and categories point at the sheet's cells.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, PieChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from openpyxl.worksheet.worksheet import Worksheet

from .summary import COLUMN_INDEX, HEADER_ROW, RESULT_KINDS, Summary, letter

_ROW_CM = 0.53  # the height of a default row
NAME_COLUMN = 2


def _title_ref(ws: Worksheet, column: int) -> SeriesLabel:
    quoted = ws.title.replace("'", "''")
    return SeriesLabel(strRef=StrRef(f"'{quoted}'!${letter(column)}${HEADER_ROW}"))


def _data_labels(value: bool = False, percent: bool = False) -> DataLabelList:
    """Only the figure (or the share): no series name, category or legend key beside it."""
    return DataLabelList(showVal=value, showPercent=percent, showSerName=False, showCatName=False,
                         showLegendKey=False, showLeaderLines=False)


def _labels(reference: Reference) -> AxDataSource:
    """Categories that are text (agency names, headers): a string reference, not a numeric one."""
    return AxDataSource(strRef=StrRef(f=str(reference)))


def _rows(height_cm: float) -> int:
    return int(height_cm / _ROW_CM) + 2


def add_charts(ws: Worksheet, summary: Summary) -> list[str]:
    """Add the three charts below the table; return their titles."""
    block = summary.main
    first, last = block.first, block.first + len(block.members) - 1
    names = Reference(ws, min_col=NAME_COLUMN, min_row=first, max_row=last)
    height = min(max(7.5, 0.6 * len(block.members) + 3), 45.0)  # hundreds of agencies: dense
    anchor = summary.last_row + 3
    scope = block.head.agency if block.head else "全部机关"

    bar = BarChart()
    bar.type = "bar"
    titles = [f"{scope}：各机关本年新收政府信息公开申请（件）", f"{scope}：各机关办理结果构成（件）",
              f"{scope}：办理结果构成（合计）"]
    bar.title = titles[0]
    new = COLUMN_INDEX["new"]
    series = Series(Reference(ws, min_col=new, min_row=first, max_row=last))
    series.tx = _title_ref(ws, new)
    bar.series.append(series)
    series.cat = _labels(names)
    bar.legend = None
    bar.dataLabels = _data_labels(value=True)
    bar.y_axis.title = "件"
    bar.x_axis.scaling.orientation = "maxMin"  # the first agency on top, as in the table
    bar.height, bar.width = height, 20
    ws.add_chart(bar, f"A{anchor}")
    anchor += _rows(height)

    stacked = BarChart()
    stacked.type = "bar"
    stacked.grouping = "stacked"
    stacked.overlap = 100
    stacked.title = titles[1]
    for kind in RESULT_KINDS:
        col = COLUMN_INDEX[kind]
        part = Series(Reference(ws, min_col=col, min_row=first, max_row=last))
        part.tx = _title_ref(ws, col)
        part.cat = _labels(names)
        stacked.series.append(part)
    stacked.x_axis.scaling.orientation = "maxMin"
    stacked.height, stacked.width = height, 20
    ws.add_chart(stacked, f"A{anchor}")
    anchor += _rows(height)

    pie = PieChart()
    pie.title = titles[2]
    lo, hi = COLUMN_INDEX[RESULT_KINDS[0]], COLUMN_INDEX[RESULT_KINDS[-1]]
    whole = Series(Reference(ws, min_col=lo, max_col=hi, min_row=block.head_row,
                             max_row=block.head_row))
    whole.tx = SeriesLabel(v="办理结果构成")
    whole.cat = _labels(Reference(ws, min_col=lo, max_col=hi, min_row=HEADER_ROW, max_row=HEADER_ROW))
    pie.series.append(whole)
    pie.dataLabels = _data_labels(percent=True)
    pie.height, pie.width = 9, 18
    ws.add_chart(pie, f"A{anchor}")
    return titles
