#!/usr/bin/env python3
"""Write the bundled sample: ``input/master.xlsx`` (2024) and ``input/master-2023.xlsx`` (2023).

The agencies belong to 西安市樊川区, a district that does not exist; their figures and texts are
invented but consistent: every row satisfies R1–R6, every number the narrative gives for a table
figure agrees with the table (R7), and this year's carried-in applications and documents in force
follow from last year's workbook (W1). One real report is included as it was published:
西安市阎良区人民政府办公室 2024 (``/work/shared/seed/yanliang-office-2024.txt``); its 2023 row
is invented (all figures 0).

A few realistic flaws are kept on purpose, so the sample shows the warnings and the send step:

* 西安市樊川区御宿街道办事处 left 上年结转 at 0 although 2023 carried one application over (W1);
* 西安市樊川区统计局 copied last year's 存在问题 and 改进情况, and 西安市樊川区子午镇人民政府
  last year's 总体情况 with only the year changed (W3);
* 西安市樊川区翠华镇人民政府 has no e-mail address.

The output is deterministic: a fixed random seed, fixed document timestamps and fixed ZIP entry
times, so the same bytes are written on every run.

Run from the project folder: ``python tools/make_sample.py`` (``--out DIR`` writes elsewhere).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, Path(__file__).resolve().parent):  # the package, and sample_parts beside this file
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from sample_parts.agencies import (  # noqa: E402
    AGENCIES,
    PROCESSING_FEES,
    REPEATS_IMPROVEMENTS,
    REPEATS_OVERVIEW,
    REPORT_DATES,
    SEED_AGENCY,
    SEED_TEXTS,
    W1_BREAK,
    YEAR,
    Agency,
)
from sample_parts.figures import COLUMN_WEIGHTS, figures, spread  # noqa: E402
from sample_parts.texts import NUMBERINGS, PROBLEMS, VARIANTS, overview_pool, texts  # noqa: E402

from annual_report.format.model import (  # noqa: E402
    APPLICANT_COLUMNS,
    FIGURE_FIELDS,
)
from annual_report.outputs import atomic_write_bytes  # noqa: E402
from annual_report.workbook.blank import new_workbook  # noqa: E402

SEED = 20250120
MASTER = "master.xlsx"
MASTER_LAST_YEAR = f"master-{YEAR - 1}.xlsx"
FIXED_TIME = dt.datetime(2025, 1, 20, 9, 0, 0)
CONTACT = "联系人"  # an extra column outside the model: it reaches the template as ``extra``

Record = dict[str, Any]


# --- records --------------------------------------------------------------------------------------


def _basics(agency: Agency, year: int) -> Record:
    date = REPORT_DATES.get(agency.name, dt.date(YEAR + 1, 1, 20))
    return {
        "agency": agency.name,
        "year": year,
        "email": agency.email,
        "report_date": date.replace(year=year + 1),
        CONTACT: agency.contact,
    }


def agency_records(agency: Agency) -> tuple[Record, Record]:
    """The agency's rows of last year and of this year."""
    rng = random.Random(f"{SEED}:{agency.name}")
    if agency.apps[1] >= 30:
        carried_2022 = spread(rng.randint(1, 6), COLUMN_WEIGHTS, rng)
    else:
        carried_2022 = dict.fromkeys(APPLICANT_COLUMNS, 0)
    in_force_2022 = rng.randint(*agency.docs[:2])
    last = figures(agency, rng, carried_2022, in_force_2022)
    carried_in = {c: last[f"apps.carried_over.{c}"] for c in APPLICANT_COLUMNS}
    if agency.name == W1_BREAK:
        carried_in = dict.fromkeys(APPLICANT_COLUMNS, 0)
    fee = PROCESSING_FEES.get(agency.name, (0, 0.0, 0.0, 0))
    this = figures(agency, rng, carried_in, last["normative.in_force"], fee)
    pick_this: dict[str, int] = {"numbering": rng.randrange(len(NUMBERINGS))}
    pick_last = dict(pick_this)
    for name, count in {**VARIANTS, "overview": len(overview_pool(agency)), "heading": 3}.items():
        pick_this[name], pick_last[name] = rng.sample(range(count), 2)
    order = rng.sample(range(len(PROBLEMS)), len(PROBLEMS))
    size = rng.randint(2, 3)
    this_texts = texts(agency, rng, YEAR, this, pick_this, order[:size])
    last_texts = texts(agency, rng, YEAR - 1, last, pick_last, order[size:2 * size], this_texts)
    if agency.name == REPEATS_IMPROVEMENTS:
        this_texts["text.problems"] = last_texts["text.problems"]
        this_texts["text.improvements"] = last_texts["text.improvements"]
    if agency.name == REPEATS_OVERVIEW:  # its first paragraph holds no figure of the tables
        this_texts["text.overview"] = this_texts["text.overview"].split("\n")[0]
        last_texts["text.overview"] = this_texts["text.overview"].replace(
            f"{YEAR}年", f"{YEAR - 1}年")
    return ({**_basics(agency, YEAR - 1), **last, **last_texts},
            {**_basics(agency, YEAR), **this, **this_texts})


def seed_records() -> tuple[Record, Record]:
    """The published report as this year's row; an invented, all-zero row for last year."""
    rng = random.Random(f"{SEED}:{SEED_AGENCY.name}")
    zero = figures(SEED_AGENCY, rng, dict.fromkeys(APPLICANT_COLUMNS, 0), 0)
    pick = dict.fromkeys((*VARIANTS, "overview", "heading", "numbering"), 1)
    last_texts = texts(SEED_AGENCY, rng, YEAR - 1, zero, pick, (0, 6))
    basics = _basics(SEED_AGENCY, YEAR)
    del basics["report_date"]  # the published text carries no date
    this = {**basics, **{f.key: 0 for f in FIGURE_FIELDS}, **SEED_TEXTS}
    return {**_basics(SEED_AGENCY, YEAR - 1), **zero, **last_texts}, this


def build_records() -> tuple[list[Record], list[Record]]:
    """Last year's and this year's rows, in the same agency order."""
    pairs = [agency_records(a) for a in AGENCIES] + [seed_records()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


# --- writing --------------------------------------------------------------------------------------


def workbook_bytes(records: Sequence[Record]) -> bytes:
    """The master workbook as bytes that do not depend on the time of the run."""
    book = new_workbook(records)
    book.properties.creator = "annual-report sample"
    book.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" when saving
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()


def write_sample(folder: Path) -> tuple[Path, Path]:
    """Write both sample workbooks into ``folder``; return (this year's, last year's)."""
    last, this = build_records()
    paths = folder / MASTER, folder / MASTER_LAST_YEAR
    atomic_write_bytes(paths[0], workbook_bytes(this))
    atomic_write_bytes(paths[1], workbook_bytes(last))
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "input", help="output folder")
    args = parser.parse_args(argv)
    for path in write_sample(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
