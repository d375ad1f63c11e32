"""``forms``: issue one fill-in form per agency of the master, and remember what was issued.

``<folder>/forms.json`` records each form (file, SHA-256, issue time, form number) by year and
agency; ``send --forms`` sends what it records and ``status`` reads it. A re-run keeps the forms
already issued (they may have been sent); ``only`` re-issues the named agencies' forms (for a
correction, pre-filled with the master's current figures) and ``force`` all of them. A file the
program did not write, or one changed since, is never overwritten silently.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..checks.run import usual_year
from ..errors import InputError, OutputError
from ..outputs import atomic_write_bytes, exclusive_folder, sha256_bytes, sha256_file, unique_stems
from ..workbook.rows import AgencyRow, ReadOptions, read_workbook
from .identity import now, parse_time
from .write import form_bytes, prefill

FORMS_RECORD = "forms.json"
RECORD_VERSION = 1
FORMS_DIR_NAME = "填报表"


def forms_folder(out: Path, year: int | None) -> Path:
    """The default folder of a year's forms: ``<out>/<year>/填报表``."""
    return out / (str(year) if year else "未知年度") / FORMS_DIR_NAME


@dataclass
class IssuedForm:
    agency: str
    year: int
    file: str  # relative to the forms folder
    sha256: str
    issued_at: str
    form_id: str
    corrections: int = 0  # cells marked to be corrected (a form issued again for a correction)


@dataclass
class FormsRecord:
    forms: dict[tuple[int, str], IssuedForm] = field(default_factory=dict)

    def get(self, agency: str, year: int | None) -> IssuedForm | None:
        return self.forms.get((year or 0, agency))

    def to_json(self) -> str:
        data: dict[str, dict[str, Any]] = {}
        for (year, agency), form in sorted(self.forms.items()):
            data.setdefault(str(year), {})[agency] = asdict(form)
        return json.dumps({"version": RECORD_VERSION, "forms": data}, ensure_ascii=False,
                          indent=1, sort_keys=True) + "\n"


def load_record(folder: Path) -> FormsRecord:
    path = folder / FORMS_RECORD
    record = FormsRecord()
    if not path.exists():
        return record
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        for group in data["forms"].values():
            for raw in group.values():
                form = IssuedForm(**raw)
                record.forms[(form.year, form.agency)] = form
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"表单记录 {path} 已损坏，无法读取。请把它改名备份后重新运行 forms --force。") \
            from exc
    return record


def save_record(folder: Path, record: FormsRecord) -> None:
    atomic_write_bytes(folder / FORMS_RECORD, record.to_json().encode("utf-8"))


@dataclass
class IssueResult:
    folder: Path
    written: list[tuple[str, Path, bool]] = field(default_factory=list)  # agency, file, re-issued
    kept: list[tuple[str, Path]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # agency, what to do

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


def _rows(rows: list[AgencyRow], result: IssueResult) -> list[AgencyRow]:
    seen: dict[str, int] = {}
    chosen: list[AgencyRow] = []
    for row in rows:
        if "agency" not in row.values:
            result.problems.append((row.agency, f"{row.cell('agency')} 机关全称为空，没有生成表单"))
        elif row.agency in seen:
            result.problems.append((row.agency, f"总表第 {seen[row.agency]} 行和第 {row.row} 行是同一"
                                    "机关：只按第一行生成了表单，请删除或合并重复的行"))
        else:
            seen[row.agency] = row.row
            chosen.append(row)
    return chosen


def issue_forms(master_path: Path, folder: Path | None, *, out: Path = Path("output"),
                previous_path: Path | None = None, only: list[str] | None = None, force: bool = False,
                due: str | None = None) -> IssueResult:
    """Write the forms of every agency (or those in ``only``) into ``folder`` (by default the
    year's folder under ``out``)."""
    master = read_workbook(master_path)
    previous = read_workbook(previous_path, ReadOptions()).by_agency() if previous_path else {}
    year = usual_year(master.rows)
    folder = folder or forms_folder(out, year)
    result = IssueResult(folder)
    rows = _rows(master.rows, result)
    wanted = [n.strip() for n in only or []]
    unknown = [n for n in wanted if n not in {r.agency for r in rows}]
    if unknown:
        raise InputError(f"--only「{'、'.join(unknown)}」在总表中找不到：请写机关全称，与总表「机关全称」"
                         "列一致。")
    busy = OutputError(f"另一个 forms 正在写 {folder}，请等它结束后再运行。")
    with exclusive_folder(folder, busy):
        record = load_record(folder)
        existing = {a: Path(f.file).stem for (_y, a), f in record.forms.items()}
        stems = unique_stems([r.agency for r in rows], existing)
        try:
            for row in rows:
                if wanted and row.agency not in wanted:
                    continue
                row_year = row.year or year
                if row_year is None:
                    result.problems.append((row.agency, f"{row.cell('year')} 报告年度为空，没有生成"
                                            "表单：请填写年度"))
                    continue
                _issue_one(row, row_year, folder, record, stems[row.agency], result,
                           previous.get(row.agency), reissue=force or bool(wanted), due=due)
        finally:
            save_record(folder, record)
    return result


def _later_than(earlier: IssuedForm | None) -> str:
    """Now, as a form's issue time; at least a second after the form it replaces (times are
    kept to the second, and a form issued later must always count as the newer one)."""
    issued = now()
    if earlier is not None:
        with contextlib.suppress(ValueError):
            before = parse_time(earlier.issued_at)
            if parse_time(issued) <= before:
                issued = (before + dt.timedelta(seconds=1)).isoformat(timespec="seconds")
    return issued


def _issue_one(row: AgencyRow, year: int, folder: Path, record: FormsRecord, stem: str,
               result: IssueResult, previous: AgencyRow | None, *, reissue: bool,
               due: str | None) -> None:
    earlier = record.get(row.agency, year)
    path = folder / (earlier.file if earlier else f"{stem}.xlsx")
    on_disk = sha256_file(path)
    if earlier is not None and not reissue and on_disk is not None:
        if on_disk == earlier.sha256:
            result.kept.append((row.agency, path))
        else:
            result.problems.append((row.agency, f"{path.name} 在生成后被改动过，未覆盖；确需重新"
                                    "生成请加 --only 该机关（或 --force）"))
        return
    if earlier is None and on_disk is not None:
        result.problems.append((row.agency, f"{path.name} 已存在但不是本程序生成的，未覆盖：请把它"
                                "移走后重新运行"))
        return
    content = prefill(row.agency, year, row, previous)
    data, identity = form_bytes(content, due=due, issued_at=_later_than(earlier))
    atomic_write_bytes(path, data)
    record.forms[(year, row.agency)] = IssuedForm(
        row.agency, year, path.relative_to(folder).as_posix(), sha256_bytes(data),
        identity.issued_at, identity.form_id, len(content.corrections))
    result.written.append((row.agency, path, earlier is not None))
