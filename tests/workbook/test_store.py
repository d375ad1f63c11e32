"""RowValues (workbook/store.py): a dict in all but its size, pickled for spawn workers, and the
fingerprint's text the same as that of a dict."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annual_report.format.model import FIELDS
from annual_report.workbook.rows import read_workbook
from annual_report.workbook.store import RowValues, items_repr
from conftest import ROOT

KEYS = [f.key for f in FIELDS]
VALUES = st.one_of(st.integers(0, 10**6), st.decimals(allow_nan=False, allow_infinity=False),
                   st.text(max_size=20), st.dates(), st.lists(st.text(max_size=5), max_size=2))


@given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=30))
def test_behaves_as_the_dict_it_was_made_from(data: dict[str, Any]) -> None:
    values = RowValues(data)
    assert values == data and dict(values) == data and len(values) == len(data)
    assert sorted(values.items()) == sorted(data.items())
    assert all(values[k] == v and values.get(k) == v and k in values for k, v in data.items())
    missing = next(k for k in [*KEYS, "x"] if k not in data)
    assert missing not in values and values.get(missing, 7) == 7
    with pytest.raises(KeyError):
        values[missing]
    assert items_repr(values) == repr(sorted(data.items()))
    assert pickle.loads(pickle.dumps(values)) == data


def test_changes_and_keys_outside_the_model() -> None:
    values = RowValues({"agency": "某局"})
    values["year"] = 2024
    values.update({"extra.key": 1, "text.other": "无"})
    del values["agency"]
    assert dict(values) == {"year": 2024, "extra.key": 1, "text.other": "无"}
    assert items_repr(values) == repr(sorted(dict(values).items()))
    with pytest.raises(KeyError):
        del values["agency"]
    copy = pickle.loads(pickle.dumps(values))
    assert copy == values and type(copy) is RowValues


def test_the_sample_reads_into_the_store_with_the_same_fingerprints() -> None:
    for row in read_workbook(ROOT / "input" / "master.xlsx").rows:
        assert type(row.values) is RowValues
        assert items_repr(row.values) == repr(sorted(dict(row.values).items()))
        copy = pickle.loads(pickle.dumps(row))
        assert copy.values == row.values and copy.fingerprint() == row.fingerprint()


def test_values_of_every_kind_survive() -> None:
    values = RowValues({"year": 2024, "report_date": dt.date(2025, 1, 20),
                        "processing_fee.collected": Decimal("12.50"), "email": ["a@b.cn"]})
    assert pickle.loads(pickle.dumps(values))["processing_fee.collected"] == Decimal("12.50")
