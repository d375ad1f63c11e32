"""Property: whatever consistent figures and texts an agency enters, reading the form back gives
exactly those values (totals left to the form's formulas are recomputed without Excel)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annual_report.forms.layout import FORM_KEYS
from annual_report.forms.read import FileKind, read_form
from annual_report.forms.values import canonical
from annual_report.forms.write import form_bytes, prefill
from factories import fill_consistent, zero_record
from form_helpers import fill

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60).map(str.strip).filter(
    lambda t: not t.startswith("="))  # typed into openpyxl, "=" would make it a formula


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), overview=TEXT, amount=st.decimals(0, 9999, places=2),
       wan=st.decimals(0, 99, places=4), typed_totals=st.booleans())
def test_any_record_reads_back_exactly(tmp_path: Path, seed: int, overview: str,
                                       amount: object, wan: object, typed_totals: bool) -> None:
    record = fill_consistent(zero_record("某局"), random.Random(seed))
    record["text.overview"] = overview
    record["processing_fee.notice_amount"] = float(amount)  # type: ignore[arg-type]
    record["processing_fee.collected"] = 0
    record["processing_fee.notices"] = 1
    record["fees.amount"] = float(wan)  # type: ignore[arg-type]
    data, _identity = form_bytes(prefill("某局", 2024))
    form = tmp_path / f"{seed}.xlsx"
    form.write_bytes(data)
    filled = fill(form, tmp_path / f"{seed}-填好.xlsx", record, type_totals=typed_totals)
    ret = read_form(filled, "x", "0", dt.datetime.now().astimezone())
    assert ret.kind == FileKind.FORM and not ret.problems
    for key in FORM_KEYS:
        expected = record.get(key)
        assert canonical(ret.values.get(key)) == canonical(expected if expected != "" else None), key
