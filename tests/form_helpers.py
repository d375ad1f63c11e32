"""Helpers for the forms tests: a master, its forms, an agency filling one in, LibreOffice."""

from __future__ import annotations

import random
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from annual_report.format.synthetic import district_records
from annual_report.forms.issue import IssueResult, issue_forms
from annual_report.forms.layout import form_layout
from annual_report.workbook.blank import write_workbook

needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice)")


def names(count: int) -> list[str]:
    return [f"示例区第{n + 1:04d}号机关" for n in range(count)]


def bare_master(path: Path, count: int, year: int = 2024) -> Path:
    """A master as at the start of a cycle: agencies and addresses, no figures yet."""
    records = [{"agency": name, "year": year, "email": f"a{n}@example.cn"}
               for n, name in enumerate(names(count))]
    return write_workbook(path, records)


def filled_records(count: int, seed: int = 1, year: int = 2024) -> dict[str, dict[str, Any]]:
    """What each agency enters: consistent figures, texts that state them, some money."""
    records = district_records(count, seed=seed, year=year)
    rng = random.Random(seed)
    for record in records:
        record["fees.amount"] = rng.choice([0, 1.25, 0.0375])
        notices = record["processing_fee.notices"]
        record["processing_fee.notice_amount"] = 120.5 * notices
        record["processing_fee.collected"] = 100.25 * notices
        record["text.other"] = "无其他需要报告的事项。"
    return {r["agency"]: r for r in records}


def issue(master: Path, folder: Path, **kw: Any) -> IssueResult:
    result = issue_forms(master, folder, **kw)
    assert not result.problems, result.problems
    return result


def form_of(result: IssueResult, agency: str) -> Path:
    return next(path for name, path, _again in result.written if name == agency)


def fill(form: Path, target: Path, record: dict[str, Any], *, type_totals: bool = False,
         overrides: dict[str, Any] | None = None) -> Path:
    """Fill a form as an agency would, through openpyxl: every input cell; totals keep the
    form's formula (no cached value) unless ``type_totals``."""
    book = openpyxl.load_workbook(form)
    for key, slot in form_layout().slots.items():
        cell = book[slot.sheet][slot.ref]
        if cell.data_type == "f" and not type_totals:
            continue  # the form computes it
        if key in record:
            cell.value = record[key]
    for where, value in (overrides or {}).items():
        sheet, ref = where.split("!")
        book[sheet][ref].value = value
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def convert(files: list[Path], fmt: str, outdir: Path, profile: Path) -> list[Path]:
    """Re-save files through LibreOffice (``fmt``: xlsx, ods or xls), as an office suite would."""
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods", "xls": "xls:MS Excel 97"}
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to",
         filters[fmt], "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=240)
    found = [outdir / f"{f.stem}.{fmt}" for f in files]
    if not all(f.exists() for f in found) and b"could not be loaded" in done.stderr:
        pytest.skip("LibreOffice Calc is not installed (bash setup.sh --test installs it)")
    return found


def mail_with(attachment: Path, target: Path, date: str = "Mon, 13 Jan 2025 09:30:00 +0800") -> Path:
    """A saved e-mail (.eml) with the form attached, as a mail client writes it."""
    message = EmailMessage()
    message["From"] = "单位 <agency@example.cn>"
    message["To"] = "gov@example.cn"
    message["Subject"] = "回复：填报表"
    message["Date"] = date
    message.set_content("表已填好，请查收。")
    message.add_attachment(attachment.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename="我们单位的表（最终版）.xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(message))
    return target
