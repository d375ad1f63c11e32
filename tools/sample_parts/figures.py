"""Consistent invented figures for tables 二, 三 and 四 of a sample agency."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from annual_report.format.model import (
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    FIGURE_FIELDS,
    RESULT_ROWS,
)

from .agencies import W1_BREAK, Agency

Record = dict[str, Any]


# --- table 三 and 四 weights ----------------------------------------------------------------------

COLUMN_WEIGHTS = {"natural": 74, "business": 10, "research": 1, "nonprofit": 2, "legal": 9,
                  "other_org": 4}
RESULT_WEIGHTS = {
    "granted": 38, "partial": 7,
    "denied.state_secret": 0.3, "denied.prohibited": 0.6, "denied.security": 0.3,
    "denied.third_party": 2.5, "denied.internal": 1.5, "denied.deliberative": 2,
    "denied.enforcement_file": 1.5, "denied.query": 3,
    "unavailable.not_held": 22, "unavailable.needs_creation": 4, "unavailable.unclear": 2,
    "rejected.petition": 3, "rejected.duplicate": 3, "rejected.publication": 0.5,
    "rejected.excessive": 0.5, "rejected.confirmation": 1,
    "other.no_correction": 4, "other.unpaid_fee": 0, "other.other": 2,
}
APPEAL_WEIGHTS = {"upheld": 60, "corrected": 12, "other": 10, "pending": 18}
if set(RESULT_WEIGHTS) != set(RESULT_ROWS) or set(COLUMN_WEIGHTS) != set(APPLICANT_COLUMNS):
    raise AssertionError("the weights no longer match annual_report.format.model")
RESULT_GROUPS = (  # how a narrative groups the result rows
    ("予以公开", ("granted",)),
    ("部分公开", ("partial",)),
    ("不予公开", tuple(r for r in RESULT_ROWS if r.startswith("denied."))),
    ("无法提供", tuple(r for r in RESULT_ROWS if r.startswith("unavailable."))),
    ("不予处理", tuple(r for r in RESULT_ROWS if r.startswith("rejected."))),
    ("其他处理", tuple(r for r in RESULT_ROWS if r.startswith("other."))),
)


def spread(total: int, weights: Mapping[str, float], rng: random.Random) -> dict[str, int]:
    """``total`` units dealt at random over the keys of ``weights``."""
    counts = dict.fromkeys(weights, 0)
    keys = list(weights)
    for key in rng.choices(keys, [weights[k] for k in keys], k=total):
        counts[key] += 1
    return counts


def table3(rng: random.Random, carried_in: Mapping[str, int], new_total: int, carry_total: int,
           unpaid: int = 0) -> Record:
    """Table 三 with R1–R3 exact: results = new + carried in − carried over, column by column."""
    new = spread(new_total, COLUMN_WEIGHTS, rng)
    open_ = {c: new[c] + carried_in[c] for c in APPLICANT_COLUMNS}
    carried_over = dict.fromkeys(APPLICANT_COLUMNS, 0)
    for _ in range(min(carry_total, sum(open_.values()) - 1)):
        left = {c: open_[c] - carried_over[c] for c in APPLICANT_COLUMNS}
        carried_over[rng.choices(list(left), list(left.values()))[0]] += 1
    record: Record = {}
    for col in APPLICANT_COLUMNS:
        done = open_[col] - carried_over[col]
        reserved = min(unpaid, done) if col == "natural" else 0
        results = spread(done - reserved, RESULT_WEIGHTS, rng)
        results["other.unpaid_fee"] += reserved
        record.update({f"apps.{r}.{col}": n for r, n in results.items()})
        record[f"apps.new.{col}"] = new[col]
        record[f"apps.carried_in.{col}"] = carried_in[col]
        record[f"apps.results_total.{col}"] = done
        record[f"apps.carried_over.{col}"] = carried_over[col]
    for row in APP_ROWS:
        parts = [record[f"apps.{row.key}.{c}"] for c in APPLICANT_COLUMNS]
        record[f"apps.{row.key}.total"] = sum(parts)
    return record


def table4(rng: random.Random, new_total: int) -> Record:
    """Table 四 with R4 exact; appeals grow with the number of applications."""
    if new_total >= 30:
        totals = (rng.randint(1, 6), rng.randint(0, 3), rng.randint(0, 2))
    elif new_total >= 8:
        totals = (rng.choice((0, 0, 1, 2)), rng.choice((0, 0, 0, 1)), 0)
    else:
        totals = (1 if new_total and rng.random() < 0.08 else 0, 0, 0)
    record: Record = {}
    for (prefix, _top, _second), total in zip(APPEAL_GROUPS, totals, strict=True):
        parts = spread(total, APPEAL_WEIGHTS, rng)
        for part, _label in APPEAL_PARTS[:-1]:
            record[f"{prefix}.{part}"] = parts[part]
        record[f"{prefix}.total"] = total
    return record


def figures(agency: Agency, rng: random.Random, carried_in: Mapping[str, int], in_force: int,
            fee: tuple[int, float, float, int] = (0, 0.0, 0.0, 0)) -> Record:
    """One year's figures, continuing from last year's carried-over and documents in force."""
    record: Record = {f.key: 0 for f in FIGURE_FIELDS}
    new_total = rng.randint(*agency.apps)
    open_total = new_total + sum(carried_in.values())
    if open_total >= 20:
        carry = rng.randint(1, max(1, open_total // 20))
    elif open_total >= 4:  # W1_BREAK always carries one over, so its forgotten 上年结转 shows
        carry = 1 if rng.random() < 0.3 or agency.name == W1_BREAK else 0
    else:
        carry = 0
    notices, notice_amount, collected, unpaid = fee
    record.update(table3(rng, carried_in, new_total, carry, unpaid))
    record.update(table4(rng, new_total))
    issued = repealed = 0
    most = agency.docs[2]
    if most:
        if agency.kind == "office":
            issued = rng.randint(2, most)
        else:  # most departments issue none or one a year
            issued = rng.choices(range(most + 1), [3] + [2] * most)[0]
        repealed = rng.randint(0, min(2, in_force)) if rng.random() < 0.35 else 0
    record.update({"normative.issued": issued, "normative.repealed": repealed,
                   "normative.in_force": in_force + issued - repealed})
    for key, (lo, hi) in (("licensing", agency.licensing), ("penalty", agency.penalty),
                          ("enforcement", agency.enforcement)):
        record[f"{key}.decisions"] = rng.randint(lo, hi)
    if agency.fees[1]:
        record["fees.amount"] = round(rng.uniform(*agency.fees), 4)
    record.update({"processing_fee.notices": notices,
                   "processing_fee.notice_amount": notice_amount,
                   "processing_fee.collected": collected})
    return record


