"""R1–R4, R6, W1, W2 on hand-made rows, and hypothesis properties of the arithmetic rules."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report.checks.rules import check_figures
from annual_report.format.model import APP_ROWS, APPEAL_GROUPS, APPEAL_PARTS, FIELD_BY_KEY
from factories import fill_consistent, make_row, zero_record


def rules_of(record: dict[str, object], previous: dict[str, object] | None = None) -> list[str]:
    row = make_row(record)
    prev = make_row(previous) if previous is not None else None
    return [f"{f.rule}:{f.field}" for f in check_figures(row, prev)]


def test_zero_record_passes() -> None:
    assert rules_of(zero_record()) == []


def test_random_consistent_record_passes() -> None:
    for seed in range(20):
        assert rules_of(fill_consistent(zero_record(), random.Random(seed))) == []


def test_r1_row_sum_points_at_row_total() -> None:
    record = zero_record()
    record["apps.new.natural"] = 3
    record["apps.new.total"] = 2
    record["apps.granted.natural"] = 3
    record["apps.granted.total"] = 3
    record["apps.results_total.natural"] = 3
    record["apps.results_total.total"] = 3
    row = make_row(record)
    findings = list(check_figures(row))
    r1 = [f for f in findings if f.rule == "R1"]
    assert [f.field for f in r1] == ["apps.new.total"]
    assert r1[0].cell == row.cell("apps.new.total")
    assert "六类申请人之和为 3" in r1[0].message and "总计填的是 2" in r1[0].message
    assert "相差 1" in r1[0].message


def test_r2_column_balance_message_has_figures() -> None:
    record = zero_record()
    for col in ("natural", "total"):
        record[f"apps.new.{col}"] = 13
        record[f"apps.granted.{col}"] = 12
        record[f"apps.results_total.{col}"] = 12
    findings = [f for f in check_figures(make_row(record)) if f.rule == "R2"]
    assert {f.field for f in findings} == {"apps.carried_over.natural", "apps.carried_over.total"}
    assert "新收+上年结转=13，办理结果总计+结转下年=12，相差 1" in findings[0].message


def test_r3_results_total_must_equal_sum_of_results() -> None:
    record = zero_record()
    for col in ("legal", "total"):
        record[f"apps.new.{col}"] = 2
        record[f"apps.denied.query.{col}"] = 1
        record[f"apps.results_total.{col}"] = 2
    assert sorted(rules_of(record)) == ["R3:apps.results_total.legal", "R3:apps.results_total.total"]


def test_r4_litigation_parts_sum_to_total() -> None:
    # The real 2023 county report: parts sum to 3, total 0.
    record = zero_record()
    record["suit_direct.upheld"] = 2
    record["suit_direct.pending"] = 1
    assert rules_of(record) == ["R4:suit_direct.total"]


def test_r6_collected_not_above_notice_amount_and_needs_notices() -> None:
    record = zero_record()
    record["processing_fee.notice_amount"] = Decimal("100")
    record["processing_fee.collected"] = Decimal("150.5")
    found = rules_of(record)
    assert "R6:processing_fee.collected" in found
    assert "R6:processing_fee.notices" in found
    record["processing_fee.notices"] = 1
    record["processing_fee.collected"] = Decimal("100")
    assert rules_of(record) == []


def test_w2_unpaid_fee_without_notice() -> None:
    record = zero_record()
    for col in ("natural", "total"):
        record[f"apps.new.{col}"] = 1
        record[f"apps.other.unpaid_fee.{col}"] = 1
        record[f"apps.results_total.{col}"] = 1
    assert rules_of(record) == ["W2:processing_fee.notices"]
    finding = next(iter(check_figures(make_row(record))))
    assert not finding.is_error


def test_w1_cross_year() -> None:
    last = zero_record(year=2023)
    last["apps.carried_over.natural"] = 2
    last["apps.carried_over.total"] = 2
    last["apps.new.natural"] = 2
    last["apps.new.total"] = 2
    last["normative.in_force"] = 10
    now = zero_record()
    now["normative.issued"] = 2
    now["normative.repealed"] = 1
    now["normative.in_force"] = 11
    now["apps.carried_in.natural"] = 2
    now["apps.carried_in.total"] = 2
    now["apps.granted.natural"] = 2
    now["apps.granted.total"] = 2
    now["apps.results_total.natural"] = 2
    now["apps.results_total.total"] = 2
    assert rules_of(now, last) == []
    now["normative.in_force"] = 12
    assert rules_of(now, last) == ["W1:normative.in_force"]
    last["apps.carried_over.natural"] = 1
    last["apps.carried_over.other_org"] = 1
    assert sorted(rules_of(now, last)) == [
        "W1:apps.carried_in.natural", "W1:apps.carried_in.other_org", "W1:normative.in_force"]


def test_invalid_cell_is_reported_once_not_cascaded() -> None:
    record = zero_record()
    record["apps.new.natural"] = "/"
    row = make_row(record)
    assert [f.rule for f in row.findings] == ["R5"]
    assert list(check_figures(row)) == []


TABLE3_KEYS = [f"apps.{r.key}.{c}" for r in APP_ROWS for c in
               ("natural", "business", "research", "nonprofit", "legal", "other_org", "total")]
TABLE4_KEYS = [f"{p}.{part}" for p, _, _ in APPEAL_GROUPS for part, _ in APPEAL_PARTS]


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32), key=st.sampled_from(TABLE3_KEYS + TABLE4_KEYS),
       delta=st.integers(-50, 50).filter(lambda d: d != 0))
def test_any_single_change_is_caught_in_its_row_or_column(seed: int, key: str, delta: int) -> None:
    record = fill_consistent(zero_record(), random.Random(seed))
    assert rules_of(record) == []
    new_value = record[key] + delta
    if new_value < 0:
        new_value = record[key] + abs(delta)
    record[key] = new_value
    findings = list(check_figures(make_row(record)))
    errors = [f for f in findings if f.is_error]
    assert errors, f"changing {key} by {delta} went unnoticed"
    changed = FIELD_BY_KEY[key]
    if changed.table == "三":
        assert any(
            FIELD_BY_KEY[f.field].row == changed.row or FIELD_BY_KEY[f.field].column == changed.column
            for f in errors
        )
    else:
        assert any(FIELD_BY_KEY[f.field].row == changed.row for f in errors)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_consistent_tables_always_pass(seed: int) -> None:
    assert rules_of(fill_consistent(zero_record(), random.Random(seed), scale=40)) == []
