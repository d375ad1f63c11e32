"""The template context's narrative paragraphs (run-in heading split) and section 五's labels."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from annual_report.report.context import (
    _FILL,
    HEAD_MAX,
    Paragraph,
    Paragraphs,
    _value,
    build_context,
    sample_context,
    split_head,
    subheading,
)
from annual_report.workbook.rows import AgencyRow

# --- the run-in heading of a paragraph -----------------------------------------------------------

SPLITS = [
    # (paragraph, head, level)
    ("（一）主动公开情况。本机关主动公开政府信息 12 条。", "（一）主动公开情况。", "一"),
    ("(二)依申请公开情况：本年度未收到申请。", "(二)依申请公开情况：", "一"),
    ("（十一）其他情况。无。", "（十一）其他情况。", "一"),
    ("1.主动公开情况。2024 年，阎良区人民政府办公室……", "1.主动公开情况。", "1"),
    ("4. 平台建设情况。2024年，阎良区政府办……", "4. 平台建设情况。", "1"),
    ("12、加强培训：每季度一次。", "12、加强培训：", "1"),
    ("2．政府信息管理情况。制定了要点。", "2．政府信息管理情况。", "1"),
    # a whole paragraph that is a heading
    ("（一）存在的主要问题", "（一）存在的主要问题", "一"),
    ("3.监督保障情况", "3.监督保障情况", "1"),
    ("（二）改进情况：", "（二）改进情况：", "一"),
    # no heading
    ("2024 年，本机关认真贯彻落实条例。", "", ""),
    ("一、总体情况", "", ""),
    ("存在问题：一是……", "", ""),
    ("1.5万条信息已公开。", "", ""),
    ("2024年共收到申请3件。", "", ""),
    ("（一）本机关认真贯彻落实条例要求，取得了很大的进展。后面还有。", "", ""),
    ("（一）本机关认真贯彻落实条例要求并取得了很大的进展", "", ""),  # 25 characters
    ("（一）只有一句话。", "（一）只有一句话。", "一"),
    ("（三）", "", ""),
    ("1.", "", ""),
    ("（一）。正文", "", ""),
    ("", "", ""),
]


@pytest.mark.parametrize(("text", "head", "level"), SPLITS, ids=range(len(SPLITS)))
def test_split_head(text: str, head: str, level: str) -> None:
    assert split_head(text) == (head, text[len(head) :], level)
    para = Paragraph(text)
    assert (para.head, para.body, para.level) == (head, text[len(head) :], level)
    assert para.head + para.body == para == text
    assert len(para.head) <= HEAD_MAX


def test_paragraph_is_a_string() -> None:
    para = Paragraph("1.主动公开情况。正文。")
    assert isinstance(para, str)
    assert para == "1.主动公开情况。正文。" and hash(para) == hash("1.主动公开情况。正文。")
    assert str(para) == "1.主动公开情况。正文。" and f"{para}" == str(para)
    assert para.startswith("1.") and "正文" in para
    assert type(para.head) is str and type(para.body) is str


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy,
                                    lambda p: pickle.loads(pickle.dumps(p))])
def test_paragraph_survives_copies_and_pickling(copier: Any) -> None:
    para = Paragraph("（一）主动公开情况。正文。")
    again = copier(para)
    assert type(again) is Paragraph and again == para
    assert (again.head, again.body, again.level) == ("（一）主动公开情况。", "正文。", "一")


def test_paragraphs_hold_paragraphs() -> None:
    paras = Paragraphs(["（一）甲。乙", "丙"])
    paras.append("1.丁：戊")
    paras.insert(0, "己")
    paras.extend(["（二）庚"])
    assert paras == ["己", "（一）甲。乙", "丙", "1.丁：戊", "（二）庚"]
    assert all(type(p) is Paragraph for p in paras)
    assert [p.head for p in paras] == ["", "（一）甲。", "", "1.丁：", "（二）庚"]
    assert str(paras) == "己\n（一）甲。乙\n丙\n1.丁：戊\n（二）庚"
    assert Paragraphs() == [] and str(Paragraphs()) == ""


# --- section 五's labels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ([], ""),
        (["一是公开不够及时。"], "（一）存在的主要问题"),
        (["存在问题：一是……"], ""),
        (["存在的主要问题：一是……"], ""),
        (["主要问题。一是……"], ""),
        (["问题：一是……"], ""),
        (["（一）存在的问题", "一是……"], ""),
        (["一、存在问题"], ""),
        (["2024年，我办存在不足……"], "（一）存在的主要问题"),
    ],
)
def test_problems_subheading(text: list[str], expected: str) -> None:
    assert subheading("problems", Paragraphs(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ([], ""),
        (["一是加强培训。"], "（二）改进情况"),
        (["改进措施：一是……"], ""),
        (["改进情况：……"], ""),
        (["下一步，将……"], ""),
        (["整改措施：……"], ""),
        (["（二）改进情况", "一是……"], ""),
        (["二、改进措施"], ""),
        (["我办将进一步改进……"], "（二）改进情况"),
    ],
)
def test_improvements_subheading(text: list[str], expected: str) -> None:
    assert subheading("improvements", Paragraphs(text)) == expected


def row_with(**texts: str) -> AgencyRow:
    row = AgencyRow("总表", 5, "示例机关", {}, {}, {}, {})
    row.values.update({"agency": "示例机关", "year": 2024})
    row.values.update({f"text.{key}": value for key, value in texts.items()})
    return row


def test_context_narratives_and_subheadings() -> None:
    ctx = build_context(row_with(
        proactive="1.主动公开情况。正文一。\n2.依申请公开情况。正文二。",
        problems="一是公开不够及时。\n二是……",
        improvements="改进措施：一是……",
    ))
    proactive = ctx["text"]["proactive"]
    assert isinstance(proactive, Paragraphs)
    assert [(p.head, p.body, p.level) for p in proactive] == [
        ("1.主动公开情况。", "正文一。", "1"), ("2.依申请公开情况。", "正文二。", "1")]
    assert ctx["subheading"] == {"problems": "（一）存在的主要问题", "improvements": ""}


def test_seed_like_texts_get_no_subheadings() -> None:
    ctx = build_context(row_with(problems="存在问题：一是……", improvements="改进措施：一是……"))
    assert ctx["subheading"] == {"problems": "", "improvements": ""}


def test_empty_texts_get_no_subheadings() -> None:
    assert sample_context()["subheading"] == {"problems": "", "improvements": ""}


def test_invalid_text_cell_still_gives_paragraphs() -> None:
    row = row_with()
    row.raw["text.problems"] = "（一）存在的主要问题\n一是……"
    ctx = build_context(row)
    assert [p.head for p in ctx["text"]["problems"]] == ["（一）存在的主要问题", ""]
    assert ctx["subheading"]["problems"] == ""


def test_longer_heading_without_a_comma() -> None:
    from annual_report.report.context import split_head

    text = "（一）人大代表建议和政协委员提案办理结果公开情况。全年公开答复12件。"
    assert split_head(text) == ("（一）人大代表建议和政协委员提案办理结果公开情况。", "全年公开答复12件。", "一")


def _as_dict_row(row: AgencyRow) -> AgencyRow:
    """The same row with its values in a plain dict (the general path of build_context)."""
    return AgencyRow(row.sheet, row.row, row.agency, dict(row.values.items()), dict(row.raw),
                     dict(row.extras), row.columns)


def _typed(value: Any) -> Any:
    """A context with each value's type spelled out (Money and 12.5 compare equal otherwise)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def test_the_context_of_a_value_store_is_the_general_one(tmp_path: Any) -> None:
    """build_context reads a RowValues by position; a plain mapping of the same values gives
    the same context, value for value and type for type — valid rows, rows with invalid or
    blank cells (shown as the cell says), narratives, money, dates and e-mail lists."""
    from pathlib import Path

    import openpyxl

    from annual_report.workbook.rows import ReadOptions, read_workbook
    from annual_report.workbook.store import RowValues

    sample = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"
    book = openpyxl.load_workbook(sample)
    sheet = book["总表"]
    for row in sheet.iter_rows(min_row=5, max_row=9):  # invalid and blank cells in some rows
        row[12].value, row[20].value, row[40].value = "十二", None, "=1/0"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    rows = [*read_workbook(sample).rows, *read_workbook(edited).rows,
            *read_workbook(edited, ReadOptions(blank_as_zero=True)).rows]
    assert all(type(r.values) is RowValues for r in rows)
    for row in rows:
        assert _typed(build_context(row)) == _typed(build_context(_as_dict_row(row))), row.row
        # the generated filler is the model's fields, each as _value gives it, in model order
        assert repr(_typed(_FILL(row.values.cells, row))) == repr(_typed(_by_definition(row)))


def _by_definition(row: AgencyRow) -> dict[str, Any]:
    """Every field of the model at its path, as :func:`_value` gives it (the definition)."""
    from annual_report.format.model import FIELDS

    nested: dict[str, Any] = {}
    for f in FIELDS:
        *parents, leaf = f.path
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _value(row, f.key, f.kind)
    return nested


def test_the_context_of_texts_kept_in_a_file_is_the_general_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Narratives the read keeps in its temporary file (workbook/spill.py) come into the
    context as the texts themselves."""
    from pathlib import Path

    from annual_report.workbook import spill
    from annual_report.workbook.rows import read_workbook
    from annual_report.workbook.spill import Spilled

    monkeypatch.setattr(spill, "KEPT_CHARS", 0)  # every narrative to the file
    sample = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"
    rows = read_workbook(sample).rows
    assert any(type(v) is Spilled for r in rows for v in r.values.cells)  # type: ignore[attr-defined]
    for row in rows:
        assert _typed(build_context(row)) == _typed(build_context(_as_dict_row(row))), row.row
        assert "Spilled" not in repr(_typed(build_context(row)))
