"""Never a wrong figure: over column orders, the subtotal variant, split points and cells printed
as placeholders, blanks or unreadable text, every figure import gives is the printed one, and every
figure it cannot read is left out (blank) with its reason in the log."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_import_layouts import RENDERING, SHORT_ROWS, base_document, figure

from annual_report.format.model import APP_COLUMNS, APP_ROWS
from annual_report.importer.docx_in import read_docx
from annual_report.importer.run import import_document

KEYS = [c for c, _l in APP_COLUMNS]
ORG = ["business", "research", "nonprofit", "legal", "other_org"]
ODD = {"/": "/", "-": "-", "": None, "3 4": None, "见附件": None, "２": 2, "7件": 7}


@st.composite
def orders(draw: st.DrawFn) -> list[str]:
    """Column orders whose 法人或其他组织 columns stand together (under one merged header)."""
    group = draw(st.permutations(ORG)) + (["subtotal"] if draw(st.booleans()) else [])
    outer = draw(st.permutations(["natural", "total", "GROUP"]))
    return [k for part in outer for k in (group if part == "GROUP" else [part])]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(columns=orders(), split=st.one_of(st.none(), st.integers(3, 24)),
       odd=st.lists(st.tuples(st.integers(0, 24), st.sampled_from(KEYS), st.sampled_from(sorted(ODD))),
                    max_size=5, unique_by=lambda x: x[:2]))
def test_every_figure_is_the_printed_one_or_blank(columns: list[str], split: int | None,
                                                  odd: list[tuple[int, str, str]]) -> None:
    document = base_document(columns, subtotal="subtotal" in columns, split_at=split)
    rows = {row.cells[1].text: row for t in document.tables if len(t.columns) >= 9 for row in t.rows}
    printed = {}
    for r, col, text in odd:
        label = SHORT_ROWS.get(APP_ROWS[r].key, APP_ROWS[r].label)
        rows[label].cells[2 + columns.index(col)].text = text
        printed[f"apps.{APP_ROWS[r].key}.{col}"] = text
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.docx"
        document.save(str(path))
        record, log = import_document(read_docx(path), path.name, None, RENDERING)
    for r, row in enumerate(APP_ROWS):
        for c, col in enumerate(KEYS):
            key = f"apps.{row.key}.{col}"
            if key in printed:
                assert record.get(key) == ODD[printed[key]], (key, printed[key])
                if printed[key] in ("3 4", "见附件"):
                    assert any(printed[key] in d for _i, d in log)
                continue
            truth = sum(figure(r, i) for i in range(6)) if col == "total" else figure(r, c)
            assert record.get(key) == truth, key
