"""`build`: the seed reproduced, every figure in its official cell, hostile data, safe re-runs, CLI.

Every test reads the written DOCX files back (python-docx, zipfile) and asserts on their content;
the expected table positions are computed from :mod:`annual_report.format.model` (the format model) and
the national layout (three header rows and three label columns in table 三, one data row in 四).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import shutil
import stat
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from typer.testing import CliRunner

from annual_report.format import model as form
from annual_report.format.synthetic import district_records
from annual_report.report.build import DEFAULT_TEMPLATE, BuildOptions, BuildResult, build_reports
from annual_report.report.render import CompiledTemplate
from annual_report.workbook.blank import write_workbook
from annual_report.workbook.rows import read_workbook
from annual_report.workbook.sheets import load_grids
from conftest import ROOT
from factories import fill_consistent, zero_record
from generate import app

SAMPLE = ROOT / "input" / "master.xlsx"
SEED_NAME = "yanliang-office-2024.txt"
SEED_FILES = (ROOT.parent / "shared" / "seed" / SEED_NAME, Path("/work/shared/seed") / SEED_NAME)
SEED_AGENCY = "西安市阎良区人民政府办公室"
FORBIDDEN = set('/\\:*?"<>|') | {chr(c) for c in range(32)}
FIGURE = re.compile(r"\d+(?:\.\d+)?")
TABLE2_COLS, TABLE3_COLS, TABLE4_COLS = 4, 10, 15
HEADER_ROWS3, LABEL_COLS3 = 3, 3

runner = CliRunner()


# --- reading a DOCX back -------------------------------------------------------------------------


def open_docx(path: Path) -> Document:
    return docx.Document(str(path))


def grid(table: Table) -> list[list[_Cell]]:
    """``grid[r][c]`` is the (possibly merged) cell covering grid position ``r, c``."""
    cells, width = table._cells, len(table.columns)
    return [cells[i : i + width] for i in range(0, len(cells), width)]


def table_rows(table: Table) -> list[list[str]]:
    """Each row's cell texts, whitespace removed; a merged cell only where it first appears."""
    seen: set[Any] = set()  # the _tc elements themselves: keeps their lxml proxies alive
    rows = []
    for cells in grid(table):
        texts = []
        for cell in cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            texts.append(squash(cell.text))
        rows.append(texts)
    return rows


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def body_blocks(document: Document) -> Iterator[Paragraph | Table]:
    """The body's paragraphs and tables, in document order."""
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document)
        elif child.tag == qn("w:tbl"):
            yield Table(child, document)


def body_text(document: Document) -> str:
    """Paragraph texts and table cell texts, in document order, whitespace removed."""
    pieces: list[str] = []
    for block in body_blocks(document):
        if isinstance(block, Table):
            pieces += [text for row in table_rows(block) for text in row]
        else:
            pieces.append(squash(block.text))
    return "".join(pieces)


def paragraph_texts(document: Document) -> list[str]:
    return [block.text for block in body_blocks(document) if isinstance(block, Paragraph)]


def tables_by_width(document: Document) -> dict[int, Table]:
    found = {len(t.columns): t for t in document.tables}
    assert sorted(found) == [TABLE2_COLS, TABLE3_COLS, TABLE4_COLS], sorted(found)
    assert len(document.tables) == 3
    return found


def in_order(needles: list[str], haystack: str) -> list[str]:
    """The needles not found in ``haystack`` in order (a cursor advances past each match)."""
    missing, cursor = [], 0
    for needle in needles:
        at = haystack.find(needle, cursor)
        if at < 0:
            missing.append(needle)
        else:
            cursor = at + len(needle)
    return missing


def is_subsequence(short: list[str], long: list[str]) -> bool:
    items = iter(long)
    return all(any(x == y for y in items) for x in short)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- building ------------------------------------------------------------------------------------


def build(workbook: Path, out: Path, **options: Any) -> BuildResult:
    options.setdefault("jobs", 1)
    return build_reports(workbook, BuildOptions(out=out, **options))


def names(outcomes: list[Any]) -> list[str]:
    return sorted(o.agency for o in outcomes)


def docx_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.docx"))}


def record(agency: str, seed: int, **changes: Any) -> dict[str, Any]:
    """A valid agency with random consistent tables 三 and 四 (the same for the same seed)."""
    result = fill_consistent(zero_record(agency), random.Random(seed))
    result["report_date"] = "2025-01-20"
    result.update(changes)
    return result


AGENCIES = ("测试区甲局", "测试区乙局", "测试区丙局")


@pytest.fixture()
def three(tmp_path: Path) -> Path:
    """A workbook of three valid agencies."""
    return write_workbook(tmp_path / "总表.xlsx", [record(a, n) for n, a in enumerate(AGENCIES)])


# --- 1. the seed, reproduced ---------------------------------------------------------------------


def seed_text() -> str:
    path = next((p for p in SEED_FILES if p.is_file()), None)
    if path is None:
        pytest.skip(f"{SEED_NAME} is not available here")
    return path.read_text(encoding="utf-8")


def seed_tables(text: str) -> list[list[list[str]]]:
    """The seed's tables: consecutive tab lines, each line's purely numeric cells."""
    tables: list[list[list[str]]] = []
    previous_was_table = False
    for line in text.splitlines():
        if "\t" in line:
            if not previous_was_table:
                tables.append([])
            tables[-1].append([c.strip() for c in line.split("\t") if FIGURE.fullmatch(c.strip())])
            previous_was_table = True
        elif line.strip():
            previous_was_table = False
    return tables


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory: pytest.TempPathFactory) -> Document:
    out = tmp_path_factory.mktemp("seed")
    result = build(SAMPLE, out, only=(SEED_AGENCY,))
    assert result.exit_code == 0, result
    assert names(result.built) == [SEED_AGENCY]
    assert not result.invalid and not result.failed and not result.skipped
    files = list(out.rglob("*.docx"))
    assert files == [out / "2024" / f"{SEED_AGENCY}.docx"]
    return open_docx(files[0])


def test_seed_paragraphs_in_order(seed_docx: Document) -> None:
    lines = [squash(line) for line in seed_text().splitlines() if "\t" not in line]
    lines = [line for line in lines if line]
    assert len(lines) >= 15
    text = body_text(seed_docx)
    assert in_order(lines, text) == []


def test_seed_table_figures(seed_docx: Document) -> None:
    seed = seed_tables(seed_text())
    assert [len(t) for t in seed] == [14, 28, 4]  # 表二, 表三, 表四 line by line
    tables = [t for t in body_blocks(seed_docx) if isinstance(t, Table)]
    assert [len(t.columns) for t in tables] == [TABLE2_COLS, TABLE3_COLS, TABLE4_COLS]
    document = [
        [[c for c in row if FIGURE.fullmatch(c)] for row in table_rows(t)] for t in tables
    ]
    assert [len(t) for t in document] == [14, 28, 4]
    flat = [[x for row in t for x in row] for t in document]
    assert [len(f) for f in flat] == [10, 175, 15]
    # 表二 and 表四: the seed's figures, exactly.
    assert flat[0] == [x for row in seed[0] for x in row]
    assert flat[2] == [x for row in seed[2] for x in row]
    # 表三: the seed's text extraction lost cells in the 办理结果 rows (five or six figures for
    # seven columns, where merged label cells were), so each seed row must be the document row
    # with some cells missing, never with one more or a different one.
    for r, (seed_row, doc_row) in enumerate(zip(seed[1], document[1], strict=True)):
        if r < HEADER_ROWS3:
            assert seed_row == doc_row == [], r
            continue
        assert len(doc_row) == 7, r
        assert seed_row and is_subsequence(seed_row, doc_row), (r, seed_row, doc_row)
    seed_flat = [x for t in seed for row in t for x in row]
    assert is_subsequence(seed_flat, [x for f in flat for x in f])


def test_seed_title_and_fee_sentence(seed_docx: Document) -> None:
    paragraphs = paragraph_texts(seed_docx)
    # too long for one line at 2号: set on two, broken after the agency's name
    assert paragraphs[0] == f"{SEED_AGENCY}\n2024年政府信息公开工作年度报告"
    assert seed_docx.core_properties.title == f"{SEED_AGENCY}2024年政府信息公开工作年度报告"
    assert seed_docx.core_properties.author == SEED_AGENCY
    fee = [line.strip() for line in seed_text().splitlines() if "信息处理费" in line]
    assert fee == ["2024年度本机关未收取信息处理费，发出收费通知的件数和总金额，以及实际收取的总金额均为0。"]
    other = paragraphs.index("六、其他需要报告的事项")
    assert paragraphs[other + 1] == fee[0]
    assert paragraphs.index("五、存在问题和改进情况") < other
    assert SEED_AGENCY in paragraphs[other + 2 :]


# --- 2. tables, cell by cell ---------------------------------------------------------------------


def distinct_record(agency: str = "测试区表格局") -> dict[str, Any]:
    """A consistent record whose table 三 figures are all different (and 四's, and 二's)."""
    rec = zero_record(agency)
    applicants = form.APPLICANT_COLUMNS
    for c, col in enumerate(applicants, start=1):
        for r, row in enumerate(form.RESULT_ROWS, start=1):
            rec[f"apps.{row}.{col}"] = 1000 * r + c
        rec[f"apps.results_total.{col}"] = sum(rec[f"apps.{row}.{col}"] for row in form.RESULT_ROWS)
        rec[f"apps.carried_over.{col}"] = 50000 + 7 * c
        rec[f"apps.carried_in.{col}"] = 70000 + 11 * c
        rec[f"apps.new.{col}"] = (
            rec[f"apps.results_total.{col}"] + rec[f"apps.carried_over.{col}"]
            - rec[f"apps.carried_in.{col}"]
        )
    for row in form.APP_ROWS:
        rec[f"apps.{row.key}.total"] = sum(rec[f"apps.{row.key}.{col}"] for col in applicants)
    rec["processing_fee.notices"] = rec["apps.other.unpaid_fee.total"]
    part_keys = [p for p, _ in form.APPEAL_PARTS[:-1]]
    for g, (prefix, _top, _second) in enumerate(form.APPEAL_GROUPS):
        for p, part in enumerate(part_keys, start=1):
            rec[f"{prefix}.{part}"] = 10 * (g + 1) + p
        rec[f"{prefix}.total"] = sum(rec[f"{prefix}.{part}"] for part in part_keys)
    for n, f in enumerate((f for f in form.FIELDS if f.table == "二" and f.kind.is_figure), 1):
        rec[f.key] = n
    rec["fees.amount"] = Decimal("12.3456")
    rec["text.applications"] = "本年度依申请公开情况见下表。"
    rec["text.appeals"] = "本年度复议诉讼情况见下表。"
    return rec


@pytest.fixture(scope="module")
def distinct(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Document]:
    folder = tmp_path_factory.mktemp("tables")
    rec = distinct_record()
    figures3 = [rec[f.key] for f in form.FIELDS if f.table == "三"]
    assert len(figures3) == 175 == len(set(figures3)), "the test data must be distinct"
    figures4 = [rec[f.key] for f in form.FIELDS if f.table == "四"]
    assert len(figures4) == 15 == len(set(figures4))
    result = build(write_workbook(folder / "总表.xlsx", [rec]), folder / "out")
    assert result.exit_code == 0 and names(result.built) == [rec["agency"]], result
    assert result.built[0].file is not None
    return rec, open_docx(result.built[0].file)


def test_table3_every_figure_in_its_cell(distinct: tuple[dict[str, Any], Document]) -> None:
    rec, document = distinct
    cells = grid(tables_by_width(document)[TABLE3_COLS])
    assert len(cells) == HEADER_ROWS3 + len(form.APP_ROWS)
    rows = [r.key for r in form.APP_ROWS]
    columns = [c for c, _ in form.APP_COLUMNS]
    checked = 0
    for f in form.FIELDS:
        if f.table != "三":
            continue
        assert f.row is not None and f.column is not None
        cell = cells[HEADER_ROWS3 + rows.index(f.row)][LABEL_COLS3 + columns.index(f.column)]
        assert cell.text == str(rec[f.key]), f.key
        checked += 1
    assert checked == 175
    figures = [cell.text for row in cells[HEADER_ROWS3:] for cell in row[LABEL_COLS3:]]
    assert len(set(figures)) == 175  # no data cell is merged with another


def test_table3_labels_are_verbatim(distinct: tuple[dict[str, Any], Document]) -> None:
    _, document = distinct
    cells = grid(tables_by_width(document)[TABLE3_COLS])
    assert cells[0][0].text == form.TABLE3_NOTE
    assert {cells[r][c]._tc for r in range(3) for c in range(3)} == {cells[0][0]._tc}
    assert [cells[2][c].text for c in range(3, 10)] == [
        "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert cells[1][4].text == "法人或其他组织"
    for i, row in enumerate(form.APP_ROWS):
        labels = [cells[HEADER_ROWS3 + i][c].text for c in range(LABEL_COLS3)]
        if not row.group:
            assert labels == [row.label] * 3, row.key
        elif not row.subgroup:
            assert labels == [form.RESULTS, row.label, row.label], row.key
        else:
            assert labels == [form.RESULTS, row.subgroup, row.label], row.key
    assert cells[HEADER_ROWS3 + 4][2].text == "1.属于国家秘密"
    assert cells[HEADER_ROWS3 + 4][1].text == "（三）不予公开"
    assert cells[-1][0].text == "四、结转下年度继续办理"


def test_table4_every_figure_in_its_cell(distinct: tuple[dict[str, Any], Document]) -> None:
    rec, document = distinct
    table = tables_by_width(document)[TABLE4_COLS]
    cells = grid(table)
    keys = [f"{prefix}.{part}" for prefix, _, _ in form.APPEAL_GROUPS for part, _ in form.APPEAL_PARTS]
    assert keys == [f.key for f in form.FIELDS if f.table == "四"]
    data = cells[-1]
    assert [cell.text for cell in data] == [str(rec[k]) for k in keys]
    assert len({cell._tc for cell in data}) == 15
    headers = [cell.text for cell in cells[-2]]
    assert headers == [label for _ in form.APPEAL_GROUPS for _, label in form.APPEAL_PARTS]
    assert cells[0][0].text == "行政复议" and cells[0][5].text == "行政诉讼"
    assert cells[1][5].text == "未经复议直接起诉" and cells[1][10].text == "复议后起诉"


def test_table2_every_figure_in_its_row(distinct: tuple[dict[str, Any], Document]) -> None:
    rec, document = distinct
    cells = grid(tables_by_width(document)[TABLE2_COLS])
    by_label = {row[0].text: r for r, row in enumerate(cells)}
    for prefix, label, item in form.ARTICLE_ITEMS:
        r = by_label[label]
        block = max(i for i, row in enumerate(cells[:r]) if row[0].text == item)
        header = [cell.text for cell in cells[block + 1]]
        values = [cell.text for cell in cells[r][1:]]
        if prefix in ("rules", "normative"):
            assert header[1:] == [col_label for _, col_label in form.DOC_COLUMNS]
            assert values == [str(rec[f"{prefix}.{col}"]) for col, _ in form.DOC_COLUMNS], label
            assert len({cell._tc for cell in cells[r]}) == 4
        else:
            key = "fees.amount" if prefix == "fees" else f"{prefix}.decisions"
            expected = "12.3456" if prefix == "fees" else str(rec[key])
            assert values == [expected] * 3, label  # one cell spanning the three columns
            assert len({cell._tc for cell in cells[r][1:]}) == 1
            assert header[1] == (form.FEES_LABEL if prefix == "fees" else form.DECISIONS_LABEL)


# --- 3. hostile data -----------------------------------------------------------------------------

HOSTILE_AGENCY = 'R&D <Ltd> "引号" /\\:*?"<>|局'
LONG = "政务公开工作持续推进" * 2000  # 20,000 characters, one paragraph


def with_control_characters(path: Path, codes: dict[str, str]) -> None:
    """Replace placeholders in the sheet XML by Excel's escapes (``_x0001_``) of control chars."""
    data = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(
        buffer, "w", zipfile.ZIP_DEFLATED
    ) as target:
        for info in source.infolist():
            member = source.read(info.filename)
            for placeholder, char in codes.items():
                member = member.replace(placeholder.encode(), f"_x{ord(char):04X}_".encode())
            target.writestr(info, member)
    path.write_bytes(buffer.getvalue())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    texts = {
        "text.overview": "模板标签{{ x }}与{% if %}原样保留，CTRLSOH控制字符CTRLVT已删除。\n第二段😀表情。",
        "text.proactive": LONG + "\n]]>与&amp;原样，<w:p>不是标签</w:p>，{%p endif %}。",
        "text.problems": "一是{{ agency }}不会被替换。\n二是{# 注释 #}与{_{ 也原样。",
        "text.other": "其他事项：CDATA结束符]]>，实体&lt;&amp;，反斜杠\\n不是换行。",
        "title": "自定义标题{{ title }}😀",
    }
    rec = zero_record(HOSTILE_AGENCY)
    rec.update(texts)
    path = write_workbook(folder / "总表.xlsx", [rec, zero_record("A/B局"), zero_record("A_B局")])
    with_control_characters(path, {"CTRLSOH": "\x01", "CTRLVT": "\x0b"})
    cells = [str(c) for _sheet, rows in load_grids(path) for row in rows for c in row]
    assert any("\x01" in c for c in cells) and any("\x0b" in c for c in cells)  # read as such
    expected = {k: v.replace("CTRLSOH", "").replace("CTRLVT", "") for k, v in texts.items()}
    result = build(path, folder / "out")
    return result, folder / "out", expected


def test_hostile_data_builds(hostile: tuple[BuildResult, Path, dict[str, str]]) -> None:
    result, _, _ = hostile
    assert result.exit_code == 0, result
    assert names(result.built) == sorted(["A/B局", "A_B局", HOSTILE_AGENCY])
    assert not result.failed and not result.invalid and not result.conflicts


def test_hostile_text_comes_out_intact(hostile: tuple[BuildResult, Path, dict[str, str]]) -> None:
    result, _, expected = hostile
    file = next(o.file for o in result.built if o.agency == HOSTILE_AGENCY)
    assert file is not None
    with zipfile.ZipFile(file) as archive:
        assert archive.testzip() is None
    document = open_docx(file)
    paragraphs = paragraph_texts(document)
    assert paragraphs[0] == expected["title"]
    assert document.core_properties.title == expected["title"]
    assert document.core_properties.author == HOSTILE_AGENCY
    for key in ("text.overview", "text.proactive", "text.problems", "text.other"):
        lines = expected[key].split("\n")
        start = paragraphs.index(lines[0])
        assert paragraphs[start : start + len(lines)] == lines, key
    assert LONG in paragraphs
    assert HOSTILE_AGENCY in paragraphs
    everything = "\n".join(paragraphs)
    assert "\x01" not in everything and "\x0b" not in everything
    assert "控制字符已删除" in everything


def test_hostile_file_names_are_safe_and_unique(
    hostile: tuple[BuildResult, Path, dict[str, str]],
) -> None:
    result, out, _ = hostile
    files = {o.agency: o.file for o in result.built}
    assert len(set(files.values())) == 3
    for agency, file in files.items():
        assert file is not None and file.is_file()
        assert file.parent == out / "2024"
        assert not FORBIDDEN & set(file.name), file.name
        assert file.name.endswith(".docx")
        assert agency in paragraph_texts(open_docx(file))  # each file holds its own agency
    assert len({f.name.lower() for f in files.values() if f}) == 3
    assert sorted(p.name for p in (out / "2024").iterdir()) == sorted(
        f.name for f in files.values() if f)


# --- 4. re-runs ------------------------------------------------------------------------------------

OLD = 1_000_000_000  # a modification time long ago: a rewrite would change it


def age(out: Path) -> None:
    for path in [*out.rglob("*.docx"), out / "manifest.json"]:
        os.utime(path, (OLD, OLD))


def mtimes(out: Path) -> dict[str, float]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime for p in sorted(out.rglob("*"))}


def test_unchanged_rerun_skips_everything(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(three, out)
    assert names(first.built) == sorted(AGENCIES) and first.exit_code == 0
    before = docx_files(out)
    assert len(before) == 3
    age(out)
    times = mtimes(out)
    second = build(three, out)
    assert second.built == [] and names(second.skipped) == sorted(AGENCIES)
    assert second.exit_code == 0 and not second.conflicts and not second.stale
    assert docx_files(out) == before
    assert mtimes(out) == times  # neither the reports nor the manifest were rewritten


def test_one_corrected_row_rebuilds_only_that_agency(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(three, out)
    before = docx_files(out)
    age(out)
    corrected = [record(a, n) for n, a in enumerate(AGENCIES)]
    corrected[1]["penalty.decisions"] = 37  # a figure of table 二, consistent by itself
    corrected[1]["text.other"] = "更正后的其他事项。"
    write_workbook(three, corrected)
    result = build(three, out)
    assert names(result.built) == ["测试区乙局"]
    assert names(result.skipped) == ["测试区丙局", "测试区甲局"]
    after = docx_files(out)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["2024/测试区乙局.docx"]
    document = open_docx(out / "2024" / "测试区乙局.docx")
    assert "更正后的其他事项。" in paragraph_texts(document)
    cells = grid(tables_by_width(document)[TABLE2_COLS])
    assert [row[1].text for row in cells if row[0].text == "行政处罚"] == ["37"]
    for name in ("测试区甲局", "测试区丙局"):
        assert (out / "2024" / f"{name}.docx").stat().st_mtime == OLD


def test_force_rebuilds_all_identically(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(three, out)
    before = docx_files(out)
    result = build(three, out, force=True)
    assert names(result.built) == sorted(AGENCIES) and result.skipped == []
    assert docx_files(out) == before


def test_output_is_deterministic_across_folders(three: Path, tmp_path: Path) -> None:
    build(three, tmp_path / "one")
    build(three, tmp_path / "two")
    one, two = docx_files(tmp_path / "one"), docx_files(tmp_path / "two")
    assert len(one) == 3 and one == two
    for data in one.values():  # fixed zip timestamps, not the time of the build
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = docx.Document(io.BytesIO(data)).core_properties  # dates from the data (成文日期)
        assert core.created == core.modified == dt.datetime(2025, 1, 20, tzinfo=dt.UTC)


def hand_edit(path: Path, text: str = "这是手工加的一段。") -> None:
    document = open_docx(path)
    document.add_paragraph(text)
    document.save(str(path))


def test_hand_edited_file_is_not_overwritten(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(three, out)
    target = out / "2024" / "测试区甲局.docx"
    hand_edit(target)
    edited = target.read_bytes()
    unchanged = build(three, out)  # the row did not change: the hand edit is kept, not an error
    assert names(unchanged.kept) == ["测试区甲局"] and unchanged.exit_code == 0
    assert unchanged.conflicts == [] and unchanged.built == []
    assert target.read_bytes() == edited
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]["测试区甲局"]
    assert entry["edited_sha256"] == sha256(target) != entry["sha256"]
    corrected = [record(a, n) for n, a in enumerate(AGENCIES)]
    corrected[0]["text.other"] = "更正。"
    write_workbook(three, corrected)
    result = build(three, out)
    assert names(result.conflicts) == ["测试区甲局"]
    assert result.conflicts[0].file == target and "--force" in result.conflicts[0].message
    assert result.built == [] and result.exit_code == 1
    assert target.read_bytes() == edited
    forced = build(three, out, force=True)
    assert forced.conflicts == [] and "测试区甲局" in names(forced.built)
    paragraphs = paragraph_texts(open_docx(target))
    assert "更正。" in paragraphs and "这是手工加的一段。" not in paragraphs
    assert build(three, out).skipped and build(three, out).built == []


def test_foreign_file_is_kept_identical_file_adopted(three: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    build(three, reference)
    out = tmp_path / "out"
    (out / "2024").mkdir(parents=True)
    foreign = out / "2024" / "测试区甲局.docx"
    foreign.write_bytes(b"somebody else's report")
    shutil.copy(reference / "2024" / "测试区乙局.docx", out / "2024" / "测试区乙局.docx")
    result = build(three, out)
    assert names(result.conflicts) == ["测试区甲局"] and result.exit_code == 1
    assert "未覆盖" in result.conflicts[0].message
    assert foreign.read_bytes() == b"somebody else's report"
    assert names(result.built) == ["测试区丙局", "测试区乙局"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert sorted(manifest) == ["测试区丙局", "测试区乙局"]
    assert manifest["测试区乙局"]["sha256"] == sha256(reference / "2024" / "测试区乙局.docx")
    again = build(three, out)
    assert names(again.skipped) == ["测试区丙局", "测试区乙局"]
    assert names(again.conflicts) == ["测试区甲局"]


def test_removed_agency_is_reported_stale_and_kept(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(three, out)
    write_workbook(three, [record(a, n) for n, a in enumerate(AGENCIES) if a != "测试区丙局"])
    result = build(three, out)
    assert [(o.agency, o.file) for o in result.stale] == [
        ("测试区丙局", out / "2024" / "测试区丙局.docx")]
    assert (out / "2024" / "测试区丙局.docx").is_file()
    assert names(result.skipped) == ["测试区乙局", "测试区甲局"] and result.exit_code == 0


def test_template_change_rebuilds_all(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(three, out)
    age(out)
    template = tmp_path / "我的模板.docx"
    edited = open_docx(DEFAULT_TEMPLATE)
    edited.add_paragraph("（本报告由模板修订版生成）")
    edited.save(str(template))
    result = build(three, out, template=template)
    assert names(result.built) == sorted(AGENCIES) and result.skipped == []
    for name in AGENCIES:
        path = out / "2024" / f"{name}.docx"
        assert "（本报告由模板修订版生成）" in paragraph_texts(open_docx(path))
        assert path.stat().st_mtime != OLD
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert {e["template_sha256"] for e in manifest.values()} == {
        CompiledTemplate.load(template).sha256}
    assert names(build(three, out, template=template).skipped) == sorted(AGENCIES)


def test_invalid_rows_are_not_built_unless_allowed(tmp_path: Path) -> None:
    bad = record("测试区错表局", 7)
    bad["apps.new.natural"] = "/"
    workbook = write_workbook(tmp_path / "总表.xlsx", [record("测试区好局", 1), bad])
    out = tmp_path / "out"
    result = build(workbook, out)
    assert names(result.invalid) == ["测试区错表局"] and result.exit_code == 1
    assert names(result.built) == ["测试区好局"]
    assert not (out / "2024" / "测试区错表局.docx").exists()
    allowed = build(workbook, out, allow_invalid=True)
    assert allowed.invalid == [] and names(allowed.built) == ["测试区错表局"]
    assert allowed.exit_code == 0
    cells = grid(tables_by_width(open_docx(out / "2024" / "测试区错表局.docx"))[TABLE3_COLS])
    assert cells[HEADER_ROWS3][LABEL_COLS3].text == "/"  # what the cell says, not a made-up 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert manifest["测试区错表局"]["valid"] is False and manifest["测试区好局"]["valid"] is True


def test_no_temporary_files_are_left(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(three, out)
    hand_edit(out / "2024" / "测试区甲局.docx")
    build(three, out)
    build(three, out, force=True)
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".~") or p.suffix == ".tmp"]
    assert leftovers == []
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "2024/测试区丙局.docx", "2024/测试区乙局.docx", "2024/测试区甲局.docx", "manifest.json"]


def test_manifest_records_files_rows_and_template(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(three, out)
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["version"] == 2
    entries = data["reports"]["2024"]
    assert sorted(entries) == sorted(AGENCIES)
    rows = read_workbook(three).by_agency()
    template_sha = CompiledTemplate.load(DEFAULT_TEMPLATE).sha256
    for name, entry in entries.items():
        assert entry["agency"] == name and entry["year"] == 2024
        assert entry["file"] == f"2024/{name}.docx"
        assert entry["sha256"] == sha256(out / entry["file"])
        assert entry["row_sha256"] == rows[name].fingerprint()
        assert entry["template_sha256"] == template_sha
        assert entry["valid"] is True
        assert entry["pdf"] is None and entry["pdf_sha256"] is None
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", entry["built_at"])


def test_adding_a_colliding_agency_keeps_existing_file_names(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "总表.xlsx", [record("A_B局", 1)])
    out = tmp_path / "out"
    assert names(build(workbook, out).built) == ["A_B局"]
    first = (out / "2024" / "A_B局.docx").read_bytes()
    write_workbook(workbook, [record("A_B局", 1), record("A/B局", 2)])
    result = build(workbook, out)
    assert result.conflicts == [] and result.exit_code == 0
    assert names(result.built) == ["A/B局"] and names(result.skipped) == ["A_B局"]
    assert (out / "2024" / "A_B局.docx").read_bytes() == first
    files = {o.agency: o.file for o in result.built + result.skipped}
    assert files["A_B局"] == out / "2024" / "A_B局.docx" != files["A/B局"]
    assert "A/B局" in paragraph_texts(open_docx(files["A/B局"]))  # type: ignore[arg-type]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_reports_get_ordinary_file_permissions(three: Path, tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        build(three, tmp_path / "out")
    finally:
        os.umask(previous)
    for path in [*(tmp_path / "out").rglob("*.docx"), tmp_path / "out" / "manifest.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


# --- 5. the command line ---------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    return result.exit_code, squash(result.output)


def test_cli_build_sample(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = invoke("build", str(SAMPLE), "--out", str(out))
    assert code == 0, output
    assert "已生成35份报告" in output
    assert len(list((out / "2024").glob("*.docx"))) == 35
    code, output = invoke("build", str(SAMPLE), "--out", str(out))
    assert code == 0 and "已生成0份报告" in output and "跳过35份" in output


def test_cli_build_invalid_rows_exit_1(tmp_path: Path) -> None:
    bad = record("测试区错表局", 3)
    bad["review.upheld"] = bad["review.upheld"] + 1  # parts no longer sum to the total (R4)
    workbook = write_workbook(tmp_path / "总表.xlsx", [record("测试区好局", 1), bad])
    code, output = invoke("build", str(workbook), "--out", str(tmp_path / "out"))
    assert code == 1, output
    assert "测试区错表局" in output and "check" in output
    assert "已生成1份报告" in output
    assert (tmp_path / "out" / "2024" / "测试区好局.docx").is_file()
    code, output = invoke("build", str(workbook), "--out", str(tmp_path / "out"), "--allow-invalid")
    assert code == 0, output
    assert (tmp_path / "out" / "2024" / "测试区错表局.docx").is_file()


def test_cli_build_prints_agency_names_verbatim(tmp_path: Path) -> None:
    bad = record("测试区[/]局", 3)
    bad["apps.new.natural"] = "/"
    other = record("测试区[b]局", 4)
    other["apps.new.natural"] = "/"
    workbook = write_workbook(tmp_path / "总表.xlsx", [bad, other])
    code, output = invoke("build", str(workbook), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "测试区[/]局" in output and "测试区[b]局" in output


def test_cli_build_unreadable_workbook_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "总表.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    code, output = invoke("build", str(broken), "--out", str(tmp_path / "out"))
    assert code == 2 and "无法读取" in output, output
    code, output = invoke("build", str(tmp_path / "没有这个文件.xlsx"), "--out", str(tmp_path))
    assert code == 2 and "找不到文件" in output, output
    assert not (tmp_path / "out").exists()


def test_cli_only_unknown_name_lists_near_matches(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = invoke("build", str(SAMPLE), "--out", str(out), "--only", "西安市阎良区政府办公室")
    assert code == 2, output
    assert "西安市阎良区政府办公室" in output and SEED_AGENCY in output
    assert not out.exists()
    code, output = invoke("build", str(SAMPLE), "--out", str(out), "--only", SEED_AGENCY)
    assert code == 0 and "已生成1份报告" in output
    assert [p.name for p in out.rglob("*.docx")] == [f"{SEED_AGENCY}.docx"]


def rewrite_document_xml(source: Path, target: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            zout.writestr(info, data)


def test_cli_check_template(tmp_path: Path) -> None:
    code, output = invoke("check-template", str(DEFAULT_TEMPLATE))
    assert code == 0 and "可以使用" in output, output
    code, output = invoke("check-template")
    assert code == 0, output
    typo = tmp_path / "typo.docx"
    rewrite_document_xml(DEFAULT_TEMPLATE, typo, "apps.new.total", "apps.new.totl")
    code, output = invoke("check-template", str(typo))
    assert code == 2 and "apps.new.totl" in output, output
    assert "是否是apps.new.total" in output  # invoke() squashes white space
    broken = tmp_path / "broken.docx"
    rewrite_document_xml(DEFAULT_TEMPLATE, broken, "apps.new.total }}", "apps.new.total + }}")
    code, output = invoke("check-template", str(broken))
    assert code == 2 and "语法错误" in output and "Traceback" not in output, output
    assert re.search(r"[\u4e00-\u9fff]{4}", output)
    # build refuses the template before rendering anything
    code, output = invoke("build", str(SAMPLE), "--out", str(tmp_path / "out"),
                          "--template", str(typo))
    assert code == 2 and "apps.new.totl" in output
    assert list((tmp_path / "out").rglob("*.docx")) == []


# --- 6. parallel build -----------------------------------------------------------------------------


def test_jobs_2_gives_the_same_files_as_jobs_1(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "总表.xlsx", district_records(40))
    serial = build(workbook, tmp_path / "serial", jobs=1)
    parallel = build(workbook, tmp_path / "parallel", jobs=2)
    assert len(serial.built) == len(parallel.built) == 40
    assert serial.exit_code == parallel.exit_code == 0
    one, two = docx_files(tmp_path / "serial"), docx_files(tmp_path / "parallel")
    assert len(one) == 40 and one == two

    def entries(out: Path) -> dict[str, Any]:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
        return {name: {k: v for k, v in e.items() if k != "built_at"} for name, e in data.items()}

    assert entries(tmp_path / "serial") == entries(tmp_path / "parallel")


# --- interruption ----------------------------------------------------------------------------------


def test_interrupted_build_keeps_what_was_built_and_cleans_up(
    three: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annual_report.report.workers as build_module

    out = tmp_path / "out"
    real = build_module._render_one
    calls = {"n": 0}

    def flaky(job: Any) -> tuple[int, str | None, str]:
        calls["n"] += 1
        if calls["n"] == 3:
            (out / "2024" / ".~half-written.tmp").write_bytes(b"PK")  # as a killed write leaves it
            raise KeyboardInterrupt
        return real(job)

    monkeypatch.setattr(build_module, "_render_one", flaky)
    with pytest.raises(KeyboardInterrupt):
        build(three, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["reports"]["2024"]) == 2  # the two finished reports are recorded
    monkeypatch.setattr(build_module, "_render_one", real)
    result = build(three, out)
    assert len(result.built) == 1 and len(result.skipped) == 2
    assert not list(out.rglob(".~*.tmp"))


def test_two_builds_on_one_folder_cannot_overlap(three: Path, tmp_path: Path) -> None:
    from annual_report.errors import OutputError
    from annual_report.outputs import exclusive_folder

    out = tmp_path / "out"
    with exclusive_folder(out, OutputError("busy")), \
            pytest.raises(OutputError, match="另一个 build"):
        build(three, out)
    assert not list(out.rglob("*.docx"))
    assert len(build(three, out).built) == 3  # free again once the other run has ended


def test_a_duplicated_agency_is_not_built_from_either_row(tmp_path: Path) -> None:
    good = record("测试区甲局", 1)
    dup = record("测试区甲局", 2, **{"text.overview": "重复的一行"})
    workbook = write_workbook(tmp_path / "d.xlsx", [good, dup, record("测试区乙局", 3)])
    out = tmp_path / "out"
    for allow_invalid in (False, True):
        result = build(workbook, out, allow_invalid=allow_invalid)
        assert names(result.built) in (["测试区乙局"], [])
        assert names(result.invalid) == ["测试区甲局", "测试区甲局"]
        assert "第 5、6 行" in result.invalid[0].message and result.exit_code == 1
    assert not (out / "2024" / "测试区甲局.docx").exists()


def test_one_output_folder_holds_many_years(tmp_path: Path) -> None:
    out = tmp_path / "out"
    last = write_workbook(tmp_path / "2024.xlsx", [record(a, n) for n, a in enumerate(AGENCIES)])
    this = write_workbook(tmp_path / "2025.xlsx", [
        record(a, n + 10, year=2025, report_date="2026-01-20") for n, a in enumerate(AGENCIES)])
    assert len(build(last, out).built) == 3
    assert len(build(this, out).built) == 3 and not build(this, out).stale
    again = build(last, out)  # the 2024 reports are still the tool's own and unchanged
    assert len(again.skipped) == 3 and again.conflicts == [] and again.stale == []
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    assert sorted(data) == ["2024", "2025"] and all(len(v) == 3 for v in data.values())


def test_a_worker_that_dies_fails_its_reports_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annual_report.report.workers as build_module

    real = build_module._render_one

    def dies_on_the_first(job: Any) -> tuple[int, str | None, str]:
        if job.index == 0:
            os._exit(9)  # as the OOM killer would end the worker
        return real(job)

    # forked workers inherit the patched module; _render_batch calls it by its global name
    monkeypatch.setattr(build_module, "_render_one", dies_on_the_first)
    workbook = write_workbook(tmp_path / "w.xlsx", district_records(40))
    result = build(workbook, tmp_path / "out", jobs=2)
    assert result.failed and all(o.message == build_module.WORKER_DIED for o in result.failed)
    assert result.exit_code == 1
    assert len(result.built) + len(result.failed) == 40
    monkeypatch.setattr(build_module, "_render_one", real)
    again = build(workbook, tmp_path / "out", jobs=2)  # a re-run completes the batch
    assert len(again.built) == len(result.failed) and again.exit_code == 0


def test_output_folder_that_is_a_file_and_leftover_staging(three: Path, tmp_path: Path) -> None:
    from annual_report.errors import OutputError

    not_a_folder = tmp_path / "out.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="是一个文件，不是文件夹"):
        build(three, not_a_folder)
    out = tmp_path / "out"
    staging = out / "2024" / ".pdf-abc123" / "profile-x"  # a killed --pdf run leaves this
    staging.mkdir(parents=True)
    build(three, out)
    assert not (out / "2024" / ".pdf-abc123").exists()


def test_template_checks_catch_what_would_fail_every_report(tmp_path: Path, three: Path) -> None:
    # a workbook is a zip package too, but not a Word document
    code, output = invoke("check-template", str(ROOT / "input" / "master.xlsx"))
    assert code == 2 and "不是有效的DOCX" in output
    # a whole group printed instead of one of its values
    group = tmp_path / "group.docx"
    rewrite_document_xml(DEFAULT_TEMPLATE, group, "{{ apps.new.total }}", "{{ apps.new }}")
    code, output = invoke("check-template", str(group))
    assert code == 2 and "指向一组数据" in output
    # money compares as a number, as template authors expect
    compare = tmp_path / "compare.docx"
    rewrite_document_xml(DEFAULT_TEMPLATE, compare, "{{ fees.amount }}",
                         "{% if fees.amount > 0 %}{{ fees.amount }}{% else %}无{% endif %}")
    code, output = invoke("check-template", str(compare))
    assert code == 0, output
    assert len(build(three, tmp_path / "out", template=compare).built) == 3
    # a filter that fails on real values fails the check, not every report
    failing = tmp_path / "failing.docx"
    rewrite_document_xml(DEFAULT_TEMPLATE, failing, "{{ agency }}", "{{ agency + 1 }}")
    code, output = invoke("check-template", str(failing))
    assert code == 2 and "试生成" in output


def test_extra_columns_in_a_template_need_the_workbook_to_be_checked(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "w.xlsx", [{**record("测试区甲局", 1), "联系人": "张三"}])
    custom = tmp_path / "custom.docx"
    rewrite_document_xml(DEFAULT_TEMPLATE, custom, "{{ agency }}", "{{ agency }}（{{ 联系人 }}）")
    code, output = invoke("check-template", str(custom))
    assert code == 2 and "--workbook" in output
    code, output = invoke("check-template", str(custom), "--workbook", str(workbook))
    assert code == 0, output
    result = build(workbook, tmp_path / "out", template=custom)
    assert "测试区甲局（张三）" in body_text(open_docx(tmp_path / "out" / "2024" / "测试区甲局.docx"))
    assert result.exit_code == 0


def test_allow_invalid_lists_what_it_built_with_errors(tmp_path: Path) -> None:
    bad = record("测试区错表局", 7)
    bad["review.upheld"] = bad["review.upheld"] + 1  # R4
    workbook = write_workbook(tmp_path / "w.xlsx", [bad, record("测试区好局", 8)])
    result = build(workbook, tmp_path / "out", allow_invalid=True)
    assert names(result.built) == ["测试区好局", "测试区错表局"]
    assert names(result.built_invalid) == ["测试区错表局"] and result.exit_code == 0


def test_rerun_does_not_recheck_rows_known_valid_under_the_same_code(
    three: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annual_report.checks.run as check_module
    import annual_report.report.build as build_module

    out = tmp_path / "out"
    build(three, out)
    checked: list[str] = []
    real = check_module.check_row

    def counting(row: Any, previous: Any = None) -> Any:
        checked.append(row.agency)
        return real(row, previous)

    monkeypatch.setattr(check_module, "check_row", counting)
    assert len(build(three, out).skipped) == 3 and checked == []
    corrected = [record(a, n) for n, a in enumerate(AGENCIES)]
    corrected[1]["text.other"] = "更正。"
    write_workbook(three, corrected)
    assert names(build(three, out).built) == ["测试区乙局"] and checked == ["测试区乙局"]
    checked.clear()
    # new checking code: every row is checked again, and recorded under the new code
    monkeypatch.setattr(build_module, "checker_sha256", lambda: "new code")
    assert len(build(three, out).skipped) == 3 and sorted(checked) == sorted(AGENCIES)
    checked.clear()
    assert len(build(three, out).skipped) == 3 and checked == []
    assert len(build(three, out, force=True).built) == 3 and sorted(checked) == sorted(AGENCIES)


def test_spawned_workers_give_the_same_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no fork: workers are spawned and get the template and rows pickled."""
    import annual_report.report.workers as build_module

    workbook = write_workbook(tmp_path / "w.xlsx", district_records(20))
    build(workbook, tmp_path / "serial", jobs=1)
    monkeypatch.setattr(build_module, "START_METHOD", "spawn")
    result = build(workbook, tmp_path / "spawned", jobs=2)
    assert len(result.built) == 20 and result.exit_code == 0
    assert docx_files(tmp_path / "serial") == docx_files(tmp_path / "spawned")


@pytest.mark.parametrize("force", [False, True])
def test_rows_fingerprinted_by_the_workers_are_recorded_as_a_fresh_read_has_them(
        tmp_path: Path, force: bool) -> None:
    """New agencies (and every one with --force) are fingerprinted by the worker rendering
    them: the manifest holds the fingerprint a fresh read gives, so the next build skips all."""
    agencies = [f"测试区第{i:02d}局" for i in range(24)]
    workbook = write_workbook(tmp_path / "总表.xlsx", [record(name, i) for i, name in
                                                     enumerate(agencies)])
    out = tmp_path / "out"
    first = build(workbook, out, jobs=2, force=force)
    assert names(first.built) == sorted(agencies)
    rows = read_workbook(workbook).by_agency()
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
    assert {name: e["row_sha256"] for name, e in entries.items()} == {
        name: rows[name].fingerprint() for name in agencies}
    again = build(workbook, out, jobs=2)
    assert again.built == [] and names(again.skipped) == sorted(agencies)
