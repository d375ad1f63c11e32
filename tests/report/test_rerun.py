"""A re-run with nothing changed is answered from the last build's record (report/rerun.py),
with the very outcome the full path gives, and any change anywhere takes the full path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from annual_report.format.synthetic import district_records
from annual_report.report import build as build_module
from annual_report.report.build import DEFAULT_TEMPLATE, BuildOptions, BuildResult, build_reports
from annual_report.report.rerun import state_path
from annual_report.workbook.blank import write_workbook

CATEGORIES = ("built", "skipped", "invalid", "conflicts", "failed", "stale", "kept",
              "built_invalid", "pdf_built", "pdf_failed", "pdf_outdated")


def outcome(result: BuildResult) -> dict[str, list[tuple[str, str, str]]]:
    return {name: sorted((o.agency, str(o.file), o.message) for o in getattr(result, name))
            for name in CATEGORIES}


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, BuildOptions]:
    records = district_records(6, seed=3)
    records[2]["apps.new.natural"] = 999  # an invalid row (R1, R2)
    path = write_workbook(tmp_path / "总表.xlsx", records)
    return path, BuildOptions(out=tmp_path / "out", jobs=1)


def full_path(workbook: Path, options: BuildOptions) -> BuildResult:
    """The same build without the record (as every build was before it existed)."""
    state_path(options.out).unlink(missing_ok=True)
    return build_reports(workbook, options)


def test_nothing_changed_is_answered_from_the_record(setup: tuple[Path, BuildOptions]) -> None:
    workbook, options = setup
    first = build_reports(workbook, options)
    assert not first.replayed and len(first.built) == 5 and len(first.invalid) == 1
    again = build_reports(workbook, options)
    assert again.replayed
    expected = full_path(workbook, options)
    assert not expected.replayed
    assert outcome(again) == outcome(expected)
    assert again.exit_code == expected.exit_code == 1
    assert again.report.rows  # the check report is still there when asked for (read then)
    assert again.check_notes == expected.check_notes
    assert not any(p.name.startswith(".") for p in options.out.rglob("*"))  # nothing added there


def test_a_forced_build_is_recorded_too(setup: tuple[Path, BuildOptions]) -> None:
    workbook, options = setup
    build_reports(workbook, BuildOptions(out=options.out, jobs=1, force=True))
    assert build_reports(workbook, options).replayed


@pytest.mark.parametrize("change", ["workbook", "template", "checker", "code", "option"])
def test_any_change_takes_the_full_path(setup: tuple[Path, BuildOptions], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    workbook, options = setup
    build_reports(workbook, options)
    if change == "workbook":
        records = district_records(6, seed=3)
        records[2]["apps.new.natural"] = 999
        records[4]["text.other"] = "本年度另有一项补充说明。"
        write_workbook(workbook, records)
    elif change == "template":
        template = tmp_path / "模板.docx"
        data = DEFAULT_TEMPLATE.read_bytes()
        template.write_bytes(data)
        options = BuildOptions(out=options.out, jobs=1, template=template)
        build_reports(workbook, options)  # the same bytes elsewhere: recorded again
        assert build_reports(workbook, options).replayed
        monkeypatch.setattr(build_module, "template_sha256", lambda data: "changed")
    elif change == "checker":
        monkeypatch.setattr(build_module, "checker_sha256", lambda: "changed")
    elif change == "code":
        monkeypatch.setattr(build_module, "code_sha256", lambda: "changed")
    else:
        options = BuildOptions(out=options.out, jobs=1, allow_invalid=True)
    result = build_reports(workbook, options)
    assert not result.replayed
    if change in ("workbook", "option"):
        assert result.built  # the changed agency / the invalid one now allowed


def test_a_touched_report_takes_the_full_path(setup: tuple[Path, BuildOptions]) -> None:
    workbook, options = setup
    first = build_reports(workbook, options)
    edited, deleted = first.built[0].file, first.built[1].file
    assert edited is not None and deleted is not None
    with edited.open("ab") as stream:
        stream.write(b"\0")  # edited by hand
    deleted.unlink()
    again = build_reports(workbook, options)
    assert not again.replayed
    assert [o.file for o in again.kept] == [edited] and [o.file for o in again.built] == [deleted]
    assert build_reports(workbook, options).replayed  # and recorded as it now is


def test_a_changed_manifest_or_journal_takes_the_full_path(setup: tuple[Path, BuildOptions]) -> None:
    workbook, options = setup
    build_reports(workbook, options)
    manifest = options.out / "manifest.json"
    stat = manifest.stat()
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert not build_reports(workbook, options).replayed
    shutil.rmtree(options.out / "2024")
    again = build_reports(workbook, options)
    assert not again.replayed and len(again.built) == 5


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b'{"version": 2}', None])
def test_a_record_that_cannot_be_read_takes_the_full_path(setup: tuple[Path, BuildOptions],
                                                          damage: bytes | None) -> None:
    """A record cut short, of another Python version's marshal format, of another shape, or
    the JSON of earlier versions (left beside it) is no record: the full path, the same outcome."""
    workbook, options = setup
    first = build_reports(workbook, options)
    path = state_path(options.out)
    if damage is None:  # as earlier versions wrote it, and no current record
        legacy = path.with_suffix(".json")
        legacy.write_text('{"version": 2, "key": "x"}', encoding="utf-8")
        path.unlink()
    else:
        valid = path.read_bytes()
        path.write_bytes(damage if damage else valid[: len(valid) // 2])
    again = build_reports(workbook, options)
    assert not again.replayed
    assert outcome(again)["invalid"] == outcome(first)["invalid"]
    assert build_reports(workbook, options).replayed  # recorded afresh
    assert not path.with_suffix(".json").exists()
