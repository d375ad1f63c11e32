"""The part of a build that reads and writes the output folder, under its lock: which rows to
(re)build, rendering them in worker processes, recording each in the manifest, PDFs.

See :mod:`.build` for the batch as a whole (what is skipped, refused, kept).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..checks.verdict import CheckReport, checker_sha256
from ..errors import OutputError, TemplateError
from ..outputs import FolderUnwritable, ensure_inside, remove_leftovers, sha256_file, unique_stems
from ..workbook.rows import AgencyRow
from .manifest import (
    JOURNAL_DIR,
    Entry,
    Manifest,
    apply_journal,
    clear_journal,
    finished,
    journal_files,
    manifest_path,
    save_manifest,
    year_key,
)
from .outcome import BuildResult, Outcome
from .render import CompiledTemplate
from .seen import SeenFiles
from .template_check import load_checked_template
from .workers import ADOPTED, REFUSED, STOP, WORKER_DIED, Done, Job, run_jobs

if TYPE_CHECKING:
    from .build import BuildOptions

Progress = Callable[[int, int], None]


def build_locked(
    report: CheckReport,
    rows: list[AgencyRow],
    template_hash: str,
    manifest: Manifest,
    options: BuildOptions,
    progress: Progress | None,
    pdf_progress: Progress | None,
    compiled: Callable[[], CompiledTemplate | TemplateError] | None = None,
) -> BuildResult:
    """The part of a build that reads and writes the output folder (under its lock)."""
    out = options.out
    stems = _file_stems(report.rows, manifest)
    for path in (manifest_path(out), out / JOURNAL_DIR,  # no link leads any write out of `out`
                 *(out / year for year in {year for year, _agency in stems})):
        ensure_inside(out, path)
    remove_leftovers(out)  # temporary files of a run that was killed mid-write
    if journal_files(out):  # an interrupted run's reports: into the manifest, once
        save_manifest(out, manifest)
        clear_journal(out)
    checker = checker_sha256()
    seen = SeenFiles(out)  # hashes of files unchanged since they were last hashed
    result = BuildResult(report)
    duplicated = _duplicated(report)
    built_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    jobs: list[Job] = []
    queued: list[tuple[AgencyRow, bool]] = []
    pdf_wanted: list[Entry] = []
    manifest_changed = False
    for row in rows:
        valid = report.is_valid(row)
        if row.agency in duplicated:  # neither row is built until the duplicate is resolved
            result.invalid.append(Outcome(row.agency, None, duplicated[row.agency]))
            continue
        if not valid and not options.allow_invalid:
            errors = [f for f in report.findings_for(row) if f.is_error]
            first = errors[0]
            more = f"（另有 {len(errors) - 1} 个错误）" if len(errors) > 1 else ""
            result.invalid.append(Outcome(row.agency, None, (
                f"{first.cell} {first.message}{more}")))
            continue
        year = year_key(row.year)
        rel = f"{year}/{stems[year, row.agency]}.docx"
        target = out / rel
        entry = manifest.entries.get((year, row.agency))
        same_file = entry is not None and entry.file == rel
        # Only a row compared with its last build needs its fingerprint now; the others' (a new
        # agency, --force) is taken in the worker that renders it ("" until then).
        row_hash = row.fingerprint() if same_file and not options.force else ""
        current = seen.sha256(rel, target) if same_file and not options.force else None
        unchanged = (entry is not None and same_file and entry.row_sha256 == row_hash
                     and entry.template_sha256 == template_hash and entry.valid == valid)
        if entry is not None and unchanged and current == entry.sha256:
            if entry.edited_sha256 is not None:  # the hand edit was undone
                entry.edited_sha256, manifest_changed = None, True
            if valid and entry.checker_sha256 != checker:  # checked again, by this code
                entry.checker_sha256, manifest_changed = checker, True
            result.skipped.append(Outcome(row.agency, target))
            if options.pdf and not _pdf_intact(entry, out, seen):
                pdf_wanted.append(entry)
            continue
        if entry is not None and unchanged and current is not None:
            # Edited by hand, nothing to rebuild: keep the user's version; send sends it.
            result.kept.append(Outcome(row.agency, target, (
                "生成后被手工修改过；总表和模板都没有变化，保留手工修改的版本（发送时发这一版）。"
                f"如要恢复为按总表生成的版本，请加 --force --only \"{row.agency}\"。")))
            new_edit = entry.edited_sha256 != current
            if new_edit:
                entry.edited_sha256, manifest_changed = current, True
            if new_edit and entry.pdf and not options.pdf:  # the PDF shows the old text
                result.pdf_outdated.append(Outcome(row.agency, entry.pdf_path(out), (
                    "DOCX 被手工修改过，这个 PDF 还是修改前的（未删除，发送时不再附上）；"
                    "请加 --pdf 重新生成")))
                entry.pdf, entry.pdf_sha256 = None, None
            elif options.pdf and (new_edit or not _pdf_intact(entry, out, seen)):
                pdf_wanted.append(entry)  # converted from the hand-edited DOCX
            continue
        refuse = ""  # not ours to overwrite: written only if it already holds the same bytes
        if same_file and entry is not None and current not in (None, entry.sha256):
            refuse = _EDITED.format(agency=row.agency)
        elif not same_file and not options.force and target.exists():
            refuse = _FOREIGN.format(target)
        ensure_inside(out, target)  # to be written: never through a link leading out
        jobs.append(Job(len(queued), target, Entry(
            agency=row.agency, year=row.year, file=rel, sha256="", row_sha256=row_hash,
            template_sha256=template_hash, valid=valid, built_at=built_at,
            checker_sha256=checker if valid else None), refuse))
        queued.append((row, valid))
    seen.save()  # every file that was hashed has been
    workers = options.jobs or os.cpu_count() or 1
    merged = False
    try:
        try:
            # The template is compiled and checked only when something is to be rendered.
            template = (load_checked_template(options.template, list(report.workbook.extra_columns),
                                              compiled() if compiled else None) if jobs else None)
            report.workbook.load([row for row, _valid in queued])  # in one go, not one by one
            results = run_jobs(template, [row for row, _valid in queued], jobs, workers, progress,
                               out)
            consumed: set[tuple[str, str, str]] = set()
            try:
                _take_results(results, jobs, queued, manifest, options, result, pdf_wanted, consumed)
            finally:
                results.close()  # stops the workers (a generator left open is closed by whoever)
                # what workers wrote that this loop never heard of (interrupted, stopped, or a
                # worker that died after writing the reports of its batch that came before)
                applied: list[Entry] = []
                manifest_changed |= apply_journal(out, manifest, consumed, applied) > 0
                _written_after_all(result, applied, out, pdf_wanted if options.pdf else None)
                merged = True
            if options.pdf:
                _build_pdfs(manifest, out, pdf_wanted, workers, result, pdf_progress)
        finally:
            present = {(year_key(r.year), r.agency) for r in report.rows}
            years = {year for year, _agency in present}  # other years' reports are not stale
            result.stale = [Outcome(agency, e.path(out), "总表中已没有这个机关，文件未删除")
                            for (year, agency), e in sorted(manifest.entries.items())
                            if year in years and (year, agency) not in present]
    except BaseException:  # interrupted or stopped: keep what was done, say why it stopped
        with contextlib.suppress(OutputError):  # the journal holds it if the disk is full
            _record(out, manifest, merged)
        raise
    if result.built or result.pdf_built or result.pdf_failed or manifest_changed:
        _record(out, manifest, merged)
    elif merged:
        clear_journal(out)
    return result


def _written_after_all(result: BuildResult, applied: list[Entry], out: Path,
                       pdf_wanted: list[Entry] | None) -> None:
    """Reports given up for lost with their worker that the journal shows were written whole:
    they are built, not failed (the next run would rightly skip them)."""
    written = {(e.agency, e.path(out)): e for e in applied}
    for outcome in list(result.failed):
        entry = written.get((outcome.agency, Path(outcome.file))) if outcome.file else None
        if entry is None or outcome.message != WORKER_DIED:
            continue
        result.failed.remove(outcome)
        result.built.append(Outcome(outcome.agency, outcome.file, ""))
        if pdf_wanted is not None:
            pdf_wanted.append(entry)


def _record(out: Path, manifest: Manifest, merged: bool) -> None:
    save_manifest(out, manifest)
    if merged:  # the manifest holds everything the journal had
        clear_journal(out)


def _take_results(
    results: Iterable[Done],
    jobs: list[Job],
    queued: list[tuple[AgencyRow, bool]],
    manifest: Manifest,
    options: BuildOptions,
    result: BuildResult,
    pdf_wanted: list[Entry],
    consumed: set[tuple[str, str, str]],
) -> None:
    """Record each report as its worker reports it; stop at a folder that takes no more files."""
    out = options.out
    for done in results:
        row, valid = queued[done.index]
        target = jobs[done.index].target
        if done.kind == STOP:
            raise FolderUnwritable(f"{done.message}{_STOPPED}")
        if done.digest is None:
            outcome = Outcome(row.agency, target, done.message)
            (result.conflicts if done.kind == REFUSED else result.failed).append(outcome)
            continue
        old = manifest.get(row.agency, row.year)
        entry = finished(dataclasses.replace(jobs[done.index].entry, sha256=done.digest,
                                             row_sha256=done.row_sha256), old)
        consumed.add((year_key(row.year), row.agency, done.digest))
        old_pdf = old.pdf_path(out) if old is not None else None
        if not entry.pdf and not options.pdf and old_pdf is not None and old_pdf.exists():
            result.pdf_outdated.append(Outcome(row.agency, old_pdf, (
                "DOCX 已重新生成，这个 PDF 还是旧的（未删除）；请加 --pdf 重新生成")))
        manifest.put(entry)
        result.built.append(Outcome(row.agency, target, "adopted" if done.kind == ADOPTED else ""))
        if not valid:
            result.built_invalid.append(Outcome(row.agency, target, (
                "总表中这一行有错误，按 --allow-invalid 仍然生成了；这份报告不会被发送")))
        if options.pdf:
            pdf_wanted.append(entry)


_EDITED = ("文件在生成后被手工修改过，而总表（或模板）也变了：未覆盖，以免丢失手工修改。"
           "请把手工修改的内容改到总表里，再运行 build --force --only \"{agency}\" "
           "只重新生成这一份（先备份该文件）。")
_FOREIGN = "{} 已存在，但不是本工具上次生成的文件，未覆盖。请先把它改名或移走，或加 --force 覆盖。"
_STOPPED = "已写完的报告都已记录；解决后重新运行同一命令会接着生成其余的。"


def _file_stems(rows: list[AgencyRow], manifest: Manifest) -> dict[tuple[str, str], str]:
    """(year folder, agency) -> file name stem, safe and unique within its year folder; names
    the manifest already gave are kept."""
    stems: dict[tuple[str, str], str] = {}
    by_year: dict[str, list[str]] = {}
    for row in rows:
        by_year.setdefault(year_key(row.year), []).append(row.agency)
    for year, names in by_year.items():
        existing = {agency: _stem(e.file) for (y, agency), e in manifest.entries.items()
                    if y == year}
        for agency, stem in unique_stems(names, existing).items():
            stems[year, agency] = stem
    return stems


def _stem(file: str) -> str:
    """``PurePosixPath(file).stem`` of a manifest's relative path, without making a path."""
    name = file.rpartition("/")[2]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _duplicated(report: CheckReport) -> dict[str, str]:
    """Agency names on more than one row -> why none of those rows is built or sent."""
    return {
        name: (f"总表中有 {len(numbers)} 行都是这个机关（第 {'、'.join(map(str, numbers))} 行）："
               "请删除或合并重复的行后再生成。")
        for name, numbers in report.workbook.duplicates().items()
    }


def _pdf_intact(entry: Entry, out: Path, seen: SeenFiles) -> bool:
    pdf = entry.pdf_path(out)
    return (pdf is not None and entry.pdf is not None and entry.pdf_sha256 is not None
            and seen.sha256(entry.pdf, pdf) == entry.pdf_sha256)


def _build_pdfs(
    manifest: Manifest,
    out: Path,
    entries: list[Entry],
    workers: int,
    result: BuildResult,
    progress: Progress | None,
) -> None:
    from .pdf import convert_to_pdf, missing_official_fonts

    files = {entry.path(out): entry for entry in entries}
    missing = missing_official_fonts() if files else []
    if missing:
        result.notes.append(
            f"本机没有 {'、'.join(missing)} 等公文字体，PDF 中用相近的 Noto CJK 字体代替（DOCX 不受影响）。"
            "需要正式版 PDF 时，请在装有这些字体的电脑上用 Word 或 WPS 打开 DOCX 另存为 PDF。")
    for source, problem in convert_to_pdf(list(files), workers, progress).items():
        entry = files[source]
        pdf = source.with_suffix(".pdf")
        if problem is None:
            entry.pdf = Path(entry.file).with_suffix(".pdf").as_posix()
            entry.pdf_sha256 = sha256_file(pdf)
            result.pdf_built.append(Outcome(entry.agency, pdf))
        else:
            entry.pdf, entry.pdf_sha256 = None, None
            result.pdf_failed.append(Outcome(entry.agency, pdf, problem))
