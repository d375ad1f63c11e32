"""The bundled sample (input/master.xlsx, input/master-2023.xlsx): valid, consistent, reproducible.

The arithmetic rules are computed here directly from the read values, not through
:mod:`annual_report.checks.rules`, so the sample does not depend on the code it is meant to exercise.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from annual_report.format.model import (
    APP_COLUMNS,
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    RESULT_ROWS,
)
from annual_report.workbook.rows import AgencyRow, Workbook, read_workbook
from conftest import load_tool

ROOT = Path(__file__).resolve().parent.parent
THIS_YEAR = ROOT / "input" / "master.xlsx"
LAST_YEAR = ROOT / "input" / "master-2023.xlsx"
SEED_NAME = "yanliang-office-2024.txt"
SEED_FILES = (ROOT.parent / "shared" / "seed" / SEED_NAME, Path("/work/shared/seed") / SEED_NAME)

SEED_AGENCY = "西安市阎良区人民政府办公室"
NO_EMAIL = {"西安市樊川区翠华镇人民政府"}
W1_BREAKS = {"西安市樊川区御宿街道办事处"}
REPEATS = {  # agency -> sections copied from last year (W3)
    "西安市樊川区统计局": {"text.problems", "text.improvements"},
    "西安市樊川区子午镇人民政府": {"text.overview"},
}
FEE_AGENCIES = {"西安市自然资源和规划局樊川分局", "西安市樊川区住房和城乡建设局"}
EXPECTED_TEXTS = ("text.overview", "text.proactive", "text.problems", "text.improvements")


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_tool("make_sample")


@pytest.fixture(scope="module")
def this_year() -> Workbook:
    return read_workbook(THIS_YEAR)


@pytest.fixture(scope="module")
def last_year() -> Workbook:
    return read_workbook(LAST_YEAR)


@pytest.fixture(scope="module", params=["this", "last"])
def any_year(request: pytest.FixtureRequest, this_year: Workbook, last_year: Workbook) -> Workbook:
    return this_year if request.param == "this" else last_year


def _v(row: AgencyRow, key: str) -> int:
    value = row.values[key]
    assert isinstance(value, int), (row.agency, key, value)
    return value


# --- reproducible ---------------------------------------------------------------------------------


def test_committed_sample_matches_the_script(script: ModuleType, tmp_path: Path) -> None:
    written = script.write_sample(tmp_path)
    for fresh, committed in zip(written, (THIS_YEAR, LAST_YEAR), strict=True):
        a, b = read_workbook(fresh), read_workbook(committed)
        assert [(r.values, r.extras) for r in a.rows] == [(r.values, r.extras) for r in b.rows], (
            f"{committed.name} is out of date: run python tools/make_sample.py")


def test_script_output_is_byte_for_byte_deterministic(script: ModuleType) -> None:
    last, this = script.build_records()
    assert script.workbook_bytes(this) == script.workbook_bytes(script.build_records()[1])
    assert script.workbook_bytes(last) == script.workbook_bytes(script.build_records()[0])


# --- every cell valid, the shape of the sample ----------------------------------------------------


def test_every_cell_is_valid(any_year: Workbook) -> None:
    assert any_year.findings == []
    assert all(not row.findings for row in any_year.rows)


def test_agencies(this_year: Workbook, last_year: Workbook) -> None:
    names = [r.agency for r in this_year.rows]
    assert len(names) >= 32
    assert len(set(names)) == len(names)
    assert names == [r.agency for r in last_year.rows]
    assert SEED_AGENCY in names
    assert {r.year for r in this_year.rows} == {2024}
    assert {r.year for r in last_year.rows} == {2023}


def test_emails_and_extra_column(this_year: Workbook) -> None:
    missing = {r.agency for r in this_year.rows if not r.values.get("email")}
    assert missing == NO_EMAIL
    for row in this_year.rows:
        for address in row.values.get("email", []):
            assert address.endswith(("@example.cn", "@example.com")), address
        assert row.extras.get("联系人"), row.agency
    assert "联系人" in this_year.extra_columns


def test_expected_sections_are_written(any_year: Workbook) -> None:
    for row in any_year.rows:
        for key in EXPECTED_TEXTS:
            assert row.values.get(key, "").strip(), (row.agency, key)


# --- R1–R4, R6 ------------------------------------------------------------------------------------


def test_r1_rows_sum_to_total(any_year: Workbook) -> None:
    for row in any_year.rows:
        for app_row in APP_ROWS:
            parts = sum(_v(row, f"apps.{app_row.key}.{c}") for c in APPLICANT_COLUMNS)
            assert parts == _v(row, f"apps.{app_row.key}.total"), (row.agency, app_row.key)


def test_r2_r3_columns_balance(any_year: Workbook) -> None:
    for row in any_year.rows:
        for col, _label in APP_COLUMNS:
            new, carried_in, results, carried_over = (
                _v(row, f"apps.{r}.{col}")
                for r in ("new", "carried_in", "results_total", "carried_over"))
            assert new + carried_in == results + carried_over, (row.agency, col)
            assert sum(_v(row, f"apps.{r}.{col}") for r in RESULT_ROWS) == results, (
                row.agency, col)


def test_r4_appeal_parts_sum_to_total(any_year: Workbook) -> None:
    for row in any_year.rows:
        for prefix, _top, _second in APPEAL_GROUPS:
            parts = sum(_v(row, f"{prefix}.{part}") for part, _label in APPEAL_PARTS[:-1])
            assert parts == _v(row, f"{prefix}.total"), (row.agency, prefix)


def test_r6_and_w2_processing_fees(any_year: Workbook, this_year: Workbook) -> None:
    for row in any_year.rows:
        notices = row.values["processing_fee.notices"]
        amount = row.values["processing_fee.notice_amount"]
        collected = row.values["processing_fee.collected"]
        assert collected <= amount, row.agency
        assert notices > 0 or amount == 0, row.agency
        assert notices > 0 or _v(row, "apps.other.unpaid_fee.total") == 0, row.agency
    charging = {r.agency for r in this_year.rows if r.values["processing_fee.notices"]}
    assert charging == FEE_AGENCIES


def test_figures_are_plausible(this_year: Workbook) -> None:
    for row in this_year.rows:
        assert row.values["rules.issued"] == row.values["rules.in_force"] == 0, row.agency
        fees = row.values["fees.amount"]
        assert fees == round(fees, 4), row.agency
    big = [r.agency for r in this_year.rows if _v(r, "apps.new.total") >= 30]
    assert 3 <= len(big) <= 6
    assert max(_v(r, "apps.new.total") for r in this_year.rows) <= 200


# --- the seed: the published report, verbatim -----------------------------------------------------


def _seed_paragraphs(text: str) -> dict[str, list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    overview = lines.index("一、总体情况") + 1
    proactive = lines.index("二、主动公开政府信息情况") + 1
    table = next(i for i, line in enumerate(lines) if line.startswith("第二十条"))
    return {
        "text.overview": lines[overview:proactive - 1],
        "text.proactive": lines[proactive:table],
        "text.problems": [line for line in lines if line.startswith("存在问题：")],
        "text.improvements": [line for line in lines if line.startswith("改进措施：")],
    }


def test_seed_row_figures_and_headings(this_year: Workbook) -> None:
    row = this_year.by_agency()[SEED_AGENCY]
    figures = {k: v for k, v in row.values.items() if not isinstance(v, (str, list))}
    assert figures.pop("year") == 2024
    assert set(figures.values()) == {0}
    assert row.values["heading.problems"] == "五、存在问题和改进情况"
    assert not row.values.get("text.other")
    assert not any(row.values.get(f"heading.{s}") for s in ("overview", "proactive", "other"))


def test_seed_row_texts_are_the_published_ones(this_year: Workbook) -> None:
    seed = next((p for p in SEED_FILES if p.is_file()), None)
    if seed is None:
        pytest.skip(f"{SEED_NAME} is not available here")
    row = this_year.by_agency()[SEED_AGENCY]
    for key, paragraphs in _seed_paragraphs(seed.read_text(encoding="utf-8")).items():
        assert row.values[key].split("\n") == paragraphs, key
    assert len(row.values["text.proactive"].split("\n")) == 5


# --- across years (W1, W3) ------------------------------------------------------------------------


def _w1_holds(row: AgencyRow, previous: AgencyRow) -> bool:
    carried = all(_v(row, f"apps.carried_in.{c}") == _v(previous, f"apps.carried_over.{c}")
                  for c, _label in APP_COLUMNS)
    in_force = all(
        _v(row, f"{p}.in_force")
        == _v(previous, f"{p}.in_force") + _v(row, f"{p}.issued") - _v(row, f"{p}.repealed")
        for p in ("rules", "normative"))
    return carried and in_force


def test_w1_holds_except_where_intended(this_year: Workbook, last_year: Workbook) -> None:
    previous = last_year.by_agency()
    breaks = {r.agency for r in this_year.rows if not _w1_holds(r, previous[r.agency])}
    assert breaks == W1_BREAKS


def _similarity(now: str, before: str) -> float:
    """How much of last year's text this year's repeats, numbers ignored (stricter than W3)."""
    a, b = (re.sub(r"\d+", "0", t) for t in (before, now))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    covered = sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(a))
    return max(matcher.ratio(), covered)


def test_texts_differ_from_last_year_except_where_intended(
    this_year: Workbook, last_year: Workbook
) -> None:
    previous = last_year.by_agency()
    for row in this_year.rows:
        for key in EXPECTED_TEXTS:
            share = _similarity(row.values[key], previous[row.agency].values[key])
            if key in REPEATS.get(row.agency, set()):
                assert share > 0.9, (row.agency, key, share)
            else:
                assert share < 0.5, (row.agency, key, share)


# --- the narrative agrees with the tables (R7, as the sample writes it) ---------------------------

# The sentence forms the generator uses, each with the figures its number may equal.
NARRATIVE_FORMS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    (r"(?:收到|新收|受理)政府信息公开申请 ?(\d+) ?件",
     (("apps.new.total",), ("apps.new.total", "apps.carried_in.total"))),
    (r"上年结转(\d+)件", (("apps.carried_in.total",),)),
    (r"办结(\d+)件", (("apps.results_total.total",),)),
    (r"结转下年度继续办理(\d+)件", (("apps.carried_over.total",),)),
    (r"行政复议(?:案件)? ?(\d+) ?[件宗]", (("review.total",),)),
    (r"行政诉讼(?:案件)?(\d+)件", (("suit_direct.total", "suit_after_review.total"),)),
    (r"行政复议和行政诉讼案件共(\d+)件",
     (("review.total", "suit_direct.total", "suit_after_review.total"),)),
    (r"制发行政规范性文件(\d+)件", (("normative.issued",),)),
    (r"废止(?:行政规范性文件)?(\d+)件", (("normative.repealed",),)),
    (r"现行有效(?:的)?行政规范性文件(?:共)?(\d+)件", (("normative.in_force",),)),
    (r"行政许可决定(\d+)件", (("licensing.decisions",),)),
    (r"行政处罚决定(\d+)件", (("penalty.decisions",),)),
    (r"行政强制决定(\d+)件", (("enforcement.decisions",),)),
)


def _stated(row: AgencyRow) -> Iterator[tuple[str, int, list[int]]]:
    text = "\n".join(v for k, v in row.values.items() if k.startswith("text.") and v)
    for pattern, readings in NARRATIVE_FORMS:
        for match in re.finditer(pattern, text):
            sums = [sum(_v(row, k) for k in keys) for keys in readings]
            yield match.group(0), int(match.group(1)), sums


def test_narrative_numbers_agree_with_the_tables(any_year: Workbook) -> None:
    checked = 0
    for row in any_year.rows:
        for quote, stated, sums in _stated(row):
            assert stated in sums, (row.agency, quote, sums)
            checked += 1
    assert checked >= 60  # the sample states many table figures in words


def test_narrative_also_has_numbers_to_leave_alone(this_year: Workbook) -> None:
    texts = "\n".join(r.values["text.proactive"] for r in this_year.rows)
    assert re.search(r"\d+条", texts) and re.search(r"在线访谈\d+次", texts)


# --- the project's own checker --------------------------------------------------------------------


def test_project_checker_finds_no_errors() -> None:
    check = pytest.importorskip("annual_report.checks.run", exc_type=ImportError)
    report = check.check_workbook(THIS_YEAR, previous_path=LAST_YEAR)
    assert [f.message for f in report.errors] == []
    assert {f.agency for f in report.warnings if f.rule == "W1"} == W1_BREAKS
    assert check.check_workbook(LAST_YEAR).errors == []
