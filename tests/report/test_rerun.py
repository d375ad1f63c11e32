"""A re-run with nothing changed is answered from the last build's record (report/rerun.py),
with the very outcome the full path gives, and any change anywhere takes the full path."""

from __future__ import annotations

import marshal
import os
import shutil
import time
from pathlib import Path

import pytest

from annual_report.format.synthetic import district_records
from annual_report.report import build as build_module
from annual_report.report import rerun
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


def test_files_compared_by_their_bytes_are_recorded_anew(setup: tuple[Path, BuildOptions],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports written just before the record was made are compared by their bytes on a
    re-run (their state alone could not show a change in the same tick); once compared, and
    past the window, the record says so and the next re-run need not read them again."""
    workbook, options = setup
    window = 400_000_000  # 0.4 s instead of 3 s
    monkeypatch.setattr(rerun, "RACY_NS", window)
    build_reports(workbook, options)
    record = marshal.loads(state_path(options.out).read_bytes())
    racy_before = [name for name, (state, _sha) in record["files"].items()
                   if rerun.racy(state, record["at"])]
    assert racy_before  # all just written
    time.sleep(window / 1e9 + 0.1)
    compared: list[str] = []
    real = rerun.sha256_file

    def counted(path: Path) -> str | None:
        compared.append(path.name)
        return real(path)

    monkeypatch.setattr(rerun, "sha256_file", counted)
    assert build_reports(workbook, options).replayed
    assert len(compared) == len(racy_before)  # read once, each
    again = marshal.loads(state_path(options.out).read_bytes())
    assert again["at"] > record["at"] and again["files"] == record["files"]
    assert not [name for name, (state, _sha) in again["files"].items()
                if rerun.racy(state, again["at"])]
    compared.clear()
    assert build_reports(workbook, options).replayed
    assert compared == []  # nothing read again
    # and a report changed meanwhile still takes the full path
    report = next(options.out.rglob("*.docx"))
    report.write_bytes(report.read_bytes() + b" ")
    assert not build_reports(workbook, options).replayed
