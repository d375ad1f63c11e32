"""The sheet 填表说明 of a form: how to fill it and send it back, in Chinese."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.workbook import Workbook

from ..format.model import TABLE3_NOTE
from .layout import BAD_MARK, OK_MARK, SHEET_FEE, SHEET_T2, SHEET_T3, SHEET_T4, SHEET_TEXT

GUIDE_SHEET = "填表说明"


def due_text(text: str) -> str:
    """``2025-01-15`` as written to people: ``2025年1月15日``; ValueError when not a date."""
    from ..workbook.values import Invalid, parse_date

    date = parse_date(text)
    if isinstance(date, Invalid):
        raise ValueError(date.message)
    return f"{date.year}年{date.month}月{date.day}日"


def guide_lines(agency: str, year: int, due: str | None) -> list[tuple[str, str]]:
    back = f"请于 {due} 前" if due else "请按通知的时间"
    return [
        ("这是什么", f"{agency}{year}年政府信息公开工作年度报告的填报表。区政府办根据它汇总数字、"
                   "校验并生成年度报告。"),
        ("填哪里", "只有浅黄色和浅蓝色的格子可以填写，其余（机关名称、年度、表头）已锁定。"
                 f"正文填在工作表「{SHEET_TEXT}」，表格分别在「{SHEET_T2}」「{SHEET_T3}」"
                 f"「{SHEET_T4}」「{SHEET_FEE}」。"),
        ("数字", "所有数字格都要填写：没有发生的填 0，不要留空，也不要填“/”“-”“无”。"
               "件数填整数；金额不带单位，行政事业性收费以万元计（最多 4 位小数），"
               "信息处理费以元计（最多 2 位小数）。"),
        ("合计", "浅蓝色的“总计”格会自动求和，一般不用填；如果直接填了数字，右侧或下方的核对格会"
               "显示是否相符。"),
        ("核对", f"核对格显示 {OK_MARK} 表示相符，显示 {BAD_MARK} 表示不符并给出应有的数字，"
               "“待填”表示这一行还有空格。请在全部显示 ✓ 后再交回。"),
        ("表三", "每行：六类申请人之和等于总计。每列：" + TABLE3_NOTE.strip("（）") +
               "；（七）总计等于（一）至（六）各项之和。"),
        ("表四", "每组：结果维持＋结果纠正＋其他结果＋尚未审结＝总计。"),
        ("信息处理费", "实际收取的金额不能超过收费通知的金额；有通知金额就要有通知件数。"),
        ("正文", "每个大方框填写一部分正文，一段一行：单元格内换行在 Excel 中按 Alt+Enter，"
               "WPS 同；也可以从 Word 中整段复制后，双击方框再粘贴。"
               "正文中写到的件数（收到申请、办结、结转、复议、诉讼、规范性文件）必须与表格一致。"),
        ("预填", "表中已填入已知的内容：重新下发的表单预填了上次交回的数字和正文；"
               "“上年结转”来自上年报告的“结转下年度继续办理”，“现行有效件数”从上年的现行有效件数"
               "起算。请逐项核对，如有不同直接改写。"),
        ("交回", f"{back}把这个文件作为邮件附件发回（回复下发邮件即可）。可以改文件名，"
               "可以用 Excel、WPS 或 LibreOffice 保存（.xlsx、.xls、.ods 均可）。"),
        ("注意", "请不要把内容复制到新建的表格里再交回，也不要删除或重命名工作表："
               "这份文件里有识别本单位表单的信息，复制到新文件后就无法识别。"
               "同一份表单交回后如需更正，改好后再发一次即可，以后收到的为准。"),
    ]


def correction_lines(corrections: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The 「需要更正」 rows: each cell the agency is to correct, and why (first in the sheet)."""
    if not corrections:
        return []
    return [("需要更正", f"上次交回的内容有 {len(corrections)} 处需要更正，已在表中标成红色并加了批注"
                     "（鼠标移到格子上可见）：")] + [(where, why) for where, why in corrections]


def write_guide(book: Workbook, agency: str, year: int, due: str | None = None,
                corrections: list[tuple[str, str]] | None = None) -> None:
    ws = book.create_sheet(GUIDE_SHEET)
    ws.append(["事项", "说明"])
    for cell in ws[1]:
        cell.font = Font(name="宋体", bold=True, size=12)
    for topic, text in [*correction_lines(corrections or []), *guide_lines(agency, year, due)]:
        ws.append([topic, text])
    for row in ws.iter_rows(min_row=2):
        row[0].font = Font(name="宋体", bold=True)
        row[0].alignment = Alignment(vertical="top")
        row[1].font = Font(name="宋体")
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 100
    ws.protection.sheet = True
