"""The import run: report files -> one master-workbook row each, and the sheet 导入记录.

The workbook is the one ``init`` writes (:func:`annual_report.workbook.blank.new_workbook`),
filled with the rows read; text cells are written as text (a value starting with "=" never
becomes a formula). 导入记录 lists, per file, what was found, what was not, and why.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font

from ..checks.published import HEADINGS, PREAMBLE, SOURCE
from ..errors import InputError, OutputError
from ..format.model import FIGURE_FIELDS, SECTIONS, Kind, default_title
from ..outputs import atomic_write_bytes
from ..workbook.blank import FIRST_DATA_ROW, new_workbook
from .blocks import Document, norm
from .docx_in import read_docx
from .fees import KEYS as FEE_KEYS
from .fees import fee_only, read_fees
from .html_in import read_html
from .pdf_in import read_pdf
from .pieces import merge_split_tables
from .sections import Sections, split_problems, split_sections
from .tables import read_tables

LOG_SHEET = "导入记录"
READERS: dict[str, Callable[[Path], Document]] = {
    ".docx": read_docx, ".html": read_html, ".htm": read_html, ".pdf": read_pdf,
}
_UNSUPPORTED = {".doc": "旧版 Word 文档（.doc）", ".wps": "WPS 文档（.wps）", ".mht": "单个网页文件（.mht）"}
_TABLE_NAMES = {"二": "表二", "三": "表三", "四": "表四", "费": "信息处理费"}
_FIGURE_KEYS = frozenset(f.key for f in FIGURE_FIELDS)


@dataclass(frozen=True)
class Rendering:
    """What the report template prints besides the row's own texts, so that it is not read back
    as text: the sentences computed from the figures (``applications``, ``appeals``,
    ``processing_fee``), and the labels of section 五's two parts."""

    sentences: Callable[[Mapping[str, Any]], Mapping[str, str]]
    subheading: Callable[[str, list[str]], str]


@dataclass
class LogLine:
    file: str
    agency: str
    year: int | None
    row: int | None
    status: str  # 已导入 / 部分导入 / 未导入
    item: str
    detail: str


@dataclass
class ImportResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)


def report_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The report files named or inside the folders given (recursively), and skipped files."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"找不到 {path}：请检查路径是否写对。")
        candidates = sorted(
            p for p in path.rglob("*") if p.is_file()
            and not any(part.lower().endswith(("_files", ".files")) for part in p.relative_to(path).parts[:-1])
        ) if path.is_dir() else [path]  # a saved page's resource folder holds no reports
        for file in candidates:
            suffix = file.suffix.lower()
            if file.name.startswith(("~$", ".~")):
                continue  # Word/WPS lock files
            if suffix in READERS:
                files.append(file)
            elif suffix in _UNSUPPORTED:
                skipped.append((file, f"{_UNSUPPORTED[suffix]}不能直接导入："
                                      "请在 Word 或 WPS 中另存为 .docx 后再导入。"))
            elif not path.is_dir():
                skipped.append((file, "不是 .docx、.html/.htm 或 .pdf 文件，未导入。"))
    return files, skipped


def _figure(kind: Kind, value: int | str) -> Any:
    if kind is Kind.COUNT or not isinstance(value, (int, str)) or value in ("",):
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:  # pragma: no cover - read_figure admits only numbers here
        return str(value)


def import_document(doc: Document, name: str, year: int | None,
                    rendering: Rendering | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One read document -> its record (field key -> value) and (item, detail) log lines."""
    log: list[tuple[str, str]] = [("文件", n) for n in doc.notes]
    blocks = merge_split_tables(doc.blocks)
    sections: Sections = split_sections(blocks, doc.title_hint)
    found = read_tables(blocks)
    record: dict[str, Any] = {}
    agency = sections.agency or sections.signature
    if not sections.title:
        log.append(("标题", "没有找到“{机关全称}{年度}年政府信息公开工作年度报告”形式的标题。"))
    if not agency:
        agency = Path(name).stem
        log.append(("机关全称", f"标题和落款中都没有机关全称，暂用文件名「{agency}」，请核对。"))
    elif not sections.agency:
        log.append(("机关全称", f"标题中没有机关全称，取自落款「{agency}」。"))
    record["agency"] = agency
    if year is not None and sections.year is not None and year != sections.year:
        log.append(("报告年度", f"标题写的是 {sections.year} 年，按 --year 记为 {year} 年，请核对标题。"))
    record_year = year if year is not None else sections.year
    if record_year is None:
        log.append(("报告年度", "标题中没有年度：请用 --year 指定年度后重新导入。"))
    else:
        record["year"] = record_year
    if sections.title and record_year is not None and sections.title != default_title(agency, record_year):
        record["title"] = sections.title
    if sections.report_date:
        record["report_date"] = sections.report_date
    else:
        log.append(("成文日期", "没有找到成文日期（报告末尾落款下的日期，如“2025年1月20日”），已留空，请核对。"))
    missing = [s.heading for s in SECTIONS if s.id not in sections.headings]
    for sid, printed in sections.headings.items():
        standard = next(s.heading for s in SECTIONS if s.id == sid)
        if printed != standard:
            record[f"heading.{sid}"] = printed
    log.append(("章节", f"找到 {len(sections.headings)} / {len(SECTIONS)} 个部分的标题："
                + "、".join(sections.headings.values()) + "。" if sections.headings else
                NO_HEADING))
    if missing:
        log.append(("章节", MISSING_HEADINGS + "、".join(missing)
                    + "；这些部分的文字并入了前一个找到的部分（或没有导入），请核对。"))
    log.extend(("章节", n) for n in sections.notes)
    texts = sections.texts
    other = texts.get("other", [])
    fee_paras = read_fees(other, found)
    for key, figure in found.values.items():
        if figure.value is not None:
            kind = next(f.kind for f in FIGURE_FIELDS if f.key == key)
            record[key] = _figure(kind, figure.value)
    sentences = rendering.sentences(record) if rendering else {}
    other = [p for i, p in enumerate(other)
             if not (i in fee_paras and (p == sentences.get("processing_fee") or fee_only(p)))]
    for sid in ("proactive", "applications", "appeals"):
        rows = [p for p in texts.get(sid, []) if _TABLE_TEXT.search(p) or _caption(p)]
        if any(_TABLE_TEXT.search(p) for p in rows):
            log.append(("章节", f"第{'二三四'[('proactive', 'applications', 'appeals').index(sid)]}部分有"
                        f" {len(rows)} 行像表格的文字却不是表格（如「{rows[0][:24]}」；PDF 中没有框线的表格或"
                        "转成文字的表格），没有作为正文导入，其中的数字也没有导入。"))
        texts[sid] = [p for p in texts.get(sid, []) if p not in rows]
    proactive = texts.get("proactive", [])
    problems, improvements = split_problems(texts.get("problems", []))
    if rendering:
        if problems and problems[0] == rendering.subheading("problems", problems[1:]):
            problems = problems[1:]
        if improvements and improvements[0] == rendering.subheading("improvements", improvements[1:]):
            improvements = improvements[1:]
    values = {
        "overview": texts.get("overview", []), "proactive": proactive,
        "applications": texts.get("applications", []), "appeals": texts.get("appeals", []),
        "problems": problems, "improvements": improvements, "other": other,
    }
    for sid in ("applications", "appeals"):
        if values[sid] and values[sid] == [sentences.get(sid)]:
            values[sid] = []  # the sentence the template prints when the text is empty
    for sid, paras in values.items():
        if paras:
            record[f"text.{sid}"] = "\n".join(p.strip() for p in paras)
    if "problems" in sections.headings and not improvements:
        log.append(("第五部分", "没有找到改进情况的开头（如“改进措施：”“（二）改进情况”），"
                    "第五部分全部作为存在的主要问题导入。"))
    if sections.preamble:
        record[PREAMBLE] = "\n".join(sections.preamble)
    record[HEADINGS] = "\n".join(sections.order)
    record[SOURCE] = name
    log.extend(_figure_log(found, record))
    return record, log


NO_HEADING = "一个部分的标题也没有找到。"
MISSING_HEADINGS = "没有找到这些部分的标题："


def missing_parts(record: dict[str, Any], log: list[tuple[str, str]]) -> list[str]:
    """What of a report was not read (for the 导入记录's 结果): figures, sections, date, year."""
    missing: list[str] = []
    figures = sum(1 for f in FIGURE_FIELDS if f.key not in record)
    if figures:
        missing.append(f"{figures} 项数字")
    if any(item == "章节" and (detail == NO_HEADING or detail.startswith(MISSING_HEADINGS))
           for item, detail in log):
        missing.append("部分章节")
    if "report_date" not in record:
        missing.append("成文日期")
    if "year" not in record:
        missing.append("报告年度")
    return missing


_TABLE_TEXT = re.compile(r"(?:^|\s)(?:[0-9]+|/|-)(?:\s+(?:[0-9]+|/|-)){2,}\s*$"
                         r"|^(?:规章|行政规范性文件|行政许可|行政处罚|行政强制|行政事业性收费)(?:\s+[0-9./-]+)*$")


def _caption(text: str) -> bool:
    bare = norm(text)
    return bare.startswith("第二十条第") and len(bare) <= 12 or bare.startswith("信息内容")


def _figure_log(found: Any, record: dict[str, Any]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for table in ("二", "三", "四", "费"):
        keys = [f for f in FIGURE_FIELDS if (f.table == table) or (table == "费" and f.key in FEE_KEYS)]
        name = _TABLE_NAMES[table]
        got = [f for f in keys if f.key in record]
        blank = [f for f in keys if f.key in found.values and found.values[f.key].value is None]
        if table not in found.tables:
            lines.append((name, f"没有找到{name}（{len(keys)} 项留空）。"))
            continue
        lines.append((name, f"读出 {len(got)} / {len(keys)} 项"
                      + (f"，{len(blank)} 项印的是空白（已留空，check 会按 R5 指出）" if blank else "") + "。"))
        for f in keys:
            if f.key in found.problems:
                lines.append((f"{name}·{f.header}", f"已留空：{found.problems[f.key]}。"))
            elif f.key not in found.values:
                lines.append((f"{name}·{f.header}", "已留空：第六部分关于信息处理费的文字中没有写明这一项。"
                              if table == "费" else "已留空：表中没有找到这一项（行或列的名称对不上）。"))
    lines.extend((_TABLE_NAMES.get("三", ""), n) for n in found.notes)
    return lines


def import_paths(paths: Iterable[Path], year: int | None = None,
                 rendering: Rendering | None = None) -> ImportResult:
    """Read every report file under ``paths``; files that cannot be read are logged, not fatal."""
    files, skipped = report_files(paths)
    result = ImportResult()
    for file, why in skipped:
        result.log.append(LogLine(str(file), "", None, None, "未导入", "文件", why))
    for file in files:
        try:
            doc = READERS[file.suffix.lower()](file)
        except InputError as error:
            result.log.append(LogLine(str(file), "", None, None, "未导入", "文件", str(error)))
            continue
        except Exception as error:  # a damaged file must not stop the other files' import
            result.log.append(LogLine(str(file), "", None, None, "未导入", "文件",
                                      f"文件已损坏或格式特殊，无法读取（{type(error).__name__}：{error}）。"
                                      "请用 Word/WPS 或浏览器打开后重新保存，再导入。"))
            continue
        if not doc.blocks:
            result.log.append(LogLine(str(file), "", None, None, "未导入", "文件",
                                      "；".join(doc.notes) or "文件中没有文字。"))
            continue
        record, lines = import_document(doc, file.name, year, rendering)
        if not str(record.get(HEADINGS, "")).strip() and not any(
                key in record for key in _FIGURE_KEYS):
            result.log.append(LogLine(str(file), "", None, None, "未导入", "文件",
                                      "不像年度报告：既没有找到六个部分的标题，也没有找到表二、表三、表四。"))
            continue
        row = FIRST_DATA_ROW + len(result.records)
        same = next((FIRST_DATA_ROW + i for i, r in enumerate(result.records)
                     if (r["agency"], r.get("year")) == (record["agency"], record.get("year"))), None)
        if same is not None:
            lines.append(("机关全称", f"与第 {same} 行是同一机关、同一年度的报告（可能是同一份报告的另一种格式），"
                                    "check 会按 DUPLICATE 指出；请只保留一行。"))
        result.records.append(record)
        missing = missing_parts(record, lines)
        status = "部分导入" if missing else "已导入"
        result.log.append(LogLine(str(file), record["agency"], record.get("year"), row, status, "结果",
                                  "每一项都已读出。" if not missing else
                                  f"没有读出：{'、'.join(missing)}，见下面各行。"))
        result.log.extend(LogLine(str(file), record["agency"], record.get("year"), row, status, i, d)
                          for i, d in lines)
    return result


def write_import(path: Path, result: ImportResult) -> Path:
    """Write the imported rows and 导入记录 as a master workbook, atomically."""
    book = new_workbook(result.records)  # texts stay texts (workbook.cells)
    log = book.create_sheet(LOG_SHEET, 1)
    log.append(["文件", "机关全称", "报告年度", "总表行", "结果", "项目", "说明"])
    for cell in log[1]:
        cell.font = Font(bold=True)
    for line in result.log:
        log.append([line.file, line.agency, line.year, line.row, line.status, line.item, line.detail])
        for cell in log[log.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for column, width in zip("ABCDEFG", (40, 30, 10, 8, 10, 28, 90), strict=True):
        log.column_dimensions[column].width = width
    for row in log.iter_rows(min_row=2):
        row[6].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as error:  # pragma: no cover - atomic_write_bytes words its own errors
        raise OutputError(f"无法写入 {path}：{error}") from None
    return path
