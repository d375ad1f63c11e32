"""Build the reports of a workbook: check, decide what to (re)build, render in parallel, record.

A re-run rebuilds only agencies whose row or template changed (the manifest records both hashes);
a file changed by hand since it was built, or a file this tool did not write, is never overwritten
without ``force``; files of agencies that left the workbook are reported as stale, never deleted.
"""

from __future__ import annotations

import datetime as dt
import difflib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks.run import CheckReport, check_workbook, checker_sha256
from ..errors import InputError, OutputError, ReportError, TemplateError
from ..outputs import (
    atomic_write_bytes,
    exclusive_folder,
    remove_leftovers,
    sha256_bytes,
    sha256_file,
    unique_stems,
)
from ..workbook.rows import AgencyRow, ReadOptions
from ..workbook.values import clean_line
from .context import build_context, sample_context, trial_context
from .manifest import Entry, Manifest, load_manifest, save_manifest, year_key
from .render import CompiledTemplate, CoreProperties, read_template, template_sha256

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "annual_report.docx"
PARALLEL_THRESHOLD = 16  # fewer reports than this are rendered in-process
# fork: workers inherit the compiled template and the rows; spawn (Windows) pickles them once.
START_METHOD = "fork" if os.name == "posix" else "spawn"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    out: Path = Path("output")
    template: Path = DEFAULT_TEMPLATE
    only: tuple[str, ...] = ()
    force: bool = False
    allow_invalid: bool = False
    jobs: int = 0  # 0: all cores
    pdf: bool = False
    read: ReadOptions = ReadOptions()
    previous: Path | None = None


@dataclass
class Outcome:
    agency: str
    file: Path | None
    message: str = ""


@dataclass
class BuildResult:
    report: CheckReport
    built: list[Outcome] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)
    invalid: list[Outcome] = field(default_factory=list)  # rows with errors, not built
    conflicts: list[Outcome] = field(default_factory=list)  # files we refuse to overwrite
    failed: list[Outcome] = field(default_factory=list)  # rendering or writing failed
    stale: list[Outcome] = field(default_factory=list)  # agency no longer in the workbook
    kept: list[Outcome] = field(default_factory=list)  # edited by hand, nothing to rebuild
    built_invalid: list[Outcome] = field(default_factory=list)  # built with errors (allowed)
    pdf_built: list[Outcome] = field(default_factory=list)
    pdf_failed: list[Outcome] = field(default_factory=list)
    pdf_outdated: list[Outcome] = field(default_factory=list)  # left from before a rebuild
    notes: list[str] = field(default_factory=list)  # things the user should know, in Chinese

    @property
    def exit_code(self) -> int:
        return 1 if (self.invalid or self.conflicts or self.failed or self.pdf_failed) else 0


@dataclass(frozen=True)
class _Job:
    index: int  # into the rows the workers were started with (inherited, not sent per job)
    target: Path
    adopt_only: bool  # the target exists without a manifest entry: write only if identical


def _core_properties(row: AgencyRow, context: dict[str, Any]) -> CoreProperties:
    date = row.values.get("report_date")
    year = row.year
    if isinstance(date, dt.date):
        created = dt.datetime(date.year, date.month, date.day)
    else:
        created = dt.datetime((year or 1999) + 1, 1, 1)
    return CoreProperties(title=str(context["title"]), author=row.agency, created=created)


def _select(report: CheckReport, only: tuple[str, ...]) -> list[AgencyRow]:
    if not only:
        return report.rows
    names = {r.agency: r for r in report.rows}
    only = tuple(clean_line(n) for n in only)  # as the reader cleans the 机关全称 cells
    unknown = [n for n in only if n not in names]
    if unknown:
        lines = []
        for name in unknown:
            near = difflib.get_close_matches(name, list(names), n=3, cutoff=0.4)
            hint = f"（是否是：{'、'.join(near)}？）" if near else ""
            lines.append(f"「{name}」{hint}")
        raise InputError(f"--only 指定的机关在总表中不存在：{'；'.join(lines)}。请写机关全称。")
    return [names[n] for n in dict.fromkeys(only)]


def _sample_with_extras(extras: list[str], trial: bool = False) -> dict[str, Any]:
    context = trial_context() if trial else sample_context()
    context["extra"] = dict.fromkeys(extras, "示例")
    for name in extras:
        if name.isidentifier() and name not in context:
            context[name] = "示例"
    return context


def template_problems(template: CompiledTemplate, extras: list[str]) -> list[str]:
    """Variables the template reads that no workbook row can provide."""
    return template.unknown_variables(_sample_with_extras(extras))


def _variable_names(context: dict[str, Any], prefix: str = "") -> list[str]:
    """Every dotted variable path of a context (``apps.new.total`` …)."""
    names: list[str] = []
    for key, value in context.items():
        path = f"{prefix}{key}"
        names.append(path)
        if isinstance(value, dict):
            names += _variable_names(value, path + ".")
    return names


def load_checked_template(path: Path, extras: list[str]) -> CompiledTemplate:
    """Compile a template and check it before a batch: its variables exist, and a trial report
    made from sample figures renders (a comparison or filter that fails on real values fails
    here once, not for every agency)."""
    template = CompiledTemplate.load(path)
    if not template.variables():
        raise TemplateError(
            f"模板 {path.name} 中没有任何 {{{{ }}}} 标签：每个机关的报告都会一模一样。"
            "请使用 templates/annual_report.docx 或在模板中加入变量（见 docs/template.md）。")
    unknown = template_problems(template, extras)
    if unknown:
        known = _variable_names(_sample_with_extras(extras))
        described = []
        for name in unknown[:10]:
            near = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            described.append(f"{name}（是否是 {near[0]}？）" if near else name)
        raise TemplateError(
            f"模板 {path.name} 使用了总表中没有的变量：{'、'.join(described)}。"
            "请改正模板中的变量名（变量清单见 docs/template.md），或在总表中增加同名的列"
            "（用 check-template 检查时，请加 --workbook 总表.xlsx 让它认得总表中的附加列）。"
        )
    try:
        template.render(_sample_with_extras(extras, trial=True), CoreProperties("示例", "示例机关",
                                                                   dt.datetime(2025, 1, 20)))
    except ReportError as error:
        raise TemplateError(f"用示例数据试生成报告时出错：{error}") from error
    return template


# --- worker side ----------------------------------------------------------------------------------

_TEMPLATE: CompiledTemplate | None = None
_ROWS: list[AgencyRow] = []


def _init_worker(template: CompiledTemplate, rows: list[AgencyRow]) -> None:
    """Give a worker the compiled template and the rows (inherited under fork, not re-sent)."""
    global _TEMPLATE, _ROWS
    _TEMPLATE, _ROWS = template, rows


def _init_process(template: CompiledTemplate, rows: list[AgencyRow]) -> None:
    """A worker process: Ctrl+C is the parent's to handle (it stops the batch, once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(template, rows)


def _render_batch(jobs: list[_Job]) -> list[tuple[int, str | None, str]]:
    return [_render_one(job) for job in jobs]


def _render_one(job: _Job) -> tuple[int, str | None, str]:
    """Render and write one report: returns (row index, sha256 or None, message)."""
    assert _TEMPLATE is not None
    row = _ROWS[job.index]
    try:
        context = build_context(row)
        data = _TEMPLATE.render(context, _core_properties(row, context))
        digest = sha256_bytes(data)
        if job.adopt_only:
            if sha256_file(job.target) == digest:
                return job.index, digest, "adopted"
            return job.index, None, (
                f"{job.target} 已存在，但不是本工具上次生成的文件，未覆盖。"
                "请先把它改名或移走，或加 --force 覆盖。")
        atomic_write_bytes(job.target, data)
        return job.index, digest, ""
    except ReportError as error:
        return job.index, None, str(error)
    except Exception as error:  # one agency's failure must not stop the batch
        return job.index, None, f"生成失败（{type(error).__name__}: {error}）"


def _run_jobs(
    template: CompiledTemplate,
    rows: list[AgencyRow],
    jobs: list[_Job],
    workers: int,
    progress: Progress | None,
) -> Iterator[tuple[int, str | None, str]]:
    """Render the jobs, yielding each result as it comes (so an interruption loses nothing)."""
    done = 0
    if workers <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        _init_worker(template, rows)
        for job in jobs:
            yield _render_one(job)
            done += 1
            if progress:
                progress(done, len(jobs))
        return
    context = multiprocessing.get_context(START_METHOD)
    size = max(1, min(32, len(jobs) // (workers * 8)))
    batches = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_process,
                               initargs=(template, rows))
    pending = {pool.submit(_render_batch, batch): batch for batch in batches}
    try:
        for future in as_completed(pending):
            batch = pending.pop(future)
            try:
                results = future.result()
            except BrokenProcessPool:  # a worker died (out of memory, killed): do not hang
                results = [(job.index, None, WORKER_DIED) for job in batch]
            for result in results:
                yield result
                done += 1
                if progress:
                    progress(done, len(jobs))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


WORKER_DIED = "生成进程意外退出（可能是内存不足或被结束），这一份没有生成；请重新运行 build。"


# --- the batch --------------------------------------------------------------------------------


def build_reports(
    workbook: Path,
    options: BuildOptions,
    progress: Progress | None = None,
    pdf_progress: Progress | None = None,
) -> BuildResult:
    """Check the workbook and build every selected agency's report into ``options.out``.

    ``progress(done, total)`` is called as reports are rendered, ``pdf_progress`` as PDFs are made.
    """
    template_hash = template_sha256(read_template(options.template))
    if options.out.exists() and not options.out.is_dir():
        raise OutputError(f"输出文件夹 {options.out} 是一个文件，不是文件夹。请用 --out 换一个文件夹名。")
    # Read before the lock, so that a workbook that cannot be used leaves nothing behind. A row
    # recorded valid and unchanged since, under the same checking code, is valid without rerunning
    # its rules (whichever build recorded it).
    recorded = load_manifest(options.out)
    checker = checker_sha256()

    def unchanged_and_valid(row: AgencyRow) -> bool:
        entry = recorded.get(row.agency, row.year)
        return (not options.force and entry is not None and entry.valid
                and entry.checker_sha256 == checker and entry.row_sha256 == row.fingerprint())

    report = check_workbook(workbook, options.read, options.previous, unchanged_and_valid)
    rows = _select(report, options.only)
    busy = OutputError(f"另一个 build 正在写输出文件夹 {options.out}。请等它结束后再运行。")
    with exclusive_folder(options.out, busy):
        manifest = load_manifest(options.out)  # again, under the lock: this is the one written
        return _build_locked(report, rows, template_hash, manifest, options, progress,
                             pdf_progress)


def _build_locked(
    report: CheckReport,
    rows: list[AgencyRow],
    template_hash: str,
    manifest: Manifest,
    options: BuildOptions,
    progress: Progress | None,
    pdf_progress: Progress | None,
) -> BuildResult:
    """The part of a build that reads and writes the output folder (under its lock)."""
    result = BuildResult(report)
    out = options.out
    remove_leftovers(out)  # temporary files of a run that was killed mid-write
    checker = checker_sha256()
    stems = _file_stems(report.rows, manifest)
    duplicated = _duplicated(report)
    jobs: list[_Job] = []
    queued: list[tuple[AgencyRow, str, bool]] = []
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
        rel = f"{year_key(row.year)}/{stems[year_key(row.year), row.agency]}.docx"
        target = out / rel
        row_hash = row.fingerprint()
        entry = manifest.get(row.agency, row.year)
        same_file = entry is not None and entry.file == rel
        current = sha256_file(target) if same_file and not options.force else None
        unchanged = (entry is not None and same_file and entry.row_sha256 == row_hash
                     and entry.template_sha256 == template_hash and entry.valid == valid)
        if entry is not None and unchanged and current == entry.sha256:
            if entry.edited_sha256 is not None:  # the hand edit was undone
                entry.edited_sha256, manifest_changed = None, True
            if valid and entry.checker_sha256 != checker:  # checked again, by this code
                entry.checker_sha256, manifest_changed = checker, True
            result.skipped.append(Outcome(row.agency, target))
            if options.pdf and not _pdf_intact(entry, out):
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
            elif options.pdf and (new_edit or not _pdf_intact(entry, out)):
                pdf_wanted.append(entry)  # converted from the hand-edited DOCX
            continue
        adopt_only = False
        if target.exists() and not options.force:
            if same_file and entry is not None:
                if current != entry.sha256:
                    result.conflicts.append(Outcome(row.agency, target, (
                        "文件在生成后被手工修改过，而总表（或模板）也变了：未覆盖，以免丢失手工修改。"
                        "请把手工修改的内容改到总表里，再运行 build --force --only "
                        f"\"{row.agency}\" 只重新生成这一份（先备份该文件）。")))
                    continue
            else:
                adopt_only = True
        jobs.append(_Job(len(queued), target, adopt_only))
        queued.append((row, rel, valid))
    workers = options.jobs or os.cpu_count() or 1
    built_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        # The template is compiled and checked only when something is to be rendered.
        template = (load_checked_template(options.template, list(report.workbook.extra_columns))
                    if jobs else None)
        rows_to_render = [row for row, _rel, _valid in queued]
        results = _run_jobs(template, rows_to_render, jobs, workers, progress) if template else ()
        for index, digest, message in results:
            row, rel, valid = queued[index]
            agency = row.agency
            if digest is None:
                outcome = Outcome(agency, out / rel, message)
                (result.conflicts if "未覆盖" in message else result.failed).append(outcome)
                continue
            old = manifest.get(agency, row.year)
            keep_pdf = old is not None and old.file == rel and old.sha256 == digest
            old_pdf = old.pdf_path(out) if old is not None else None
            if not keep_pdf and not options.pdf and old_pdf is not None and old_pdf.exists():
                result.pdf_outdated.append(Outcome(agency, old_pdf, (
                    "DOCX 已重新生成，这个 PDF 还是旧的（未删除）；请加 --pdf 重新生成")))
            entry = Entry(
                agency=agency, year=row.year, file=rel, sha256=digest, row_sha256=row.fingerprint(),
                template_sha256=template_hash, valid=valid, built_at=built_at,
                pdf=old.pdf if keep_pdf and old else None,
                pdf_sha256=old.pdf_sha256 if keep_pdf and old else None,
                checker_sha256=checker if valid else None,
            )
            manifest.put(entry)
            result.built.append(Outcome(agency, out / rel, message))
            if not valid:
                result.built_invalid.append(Outcome(agency, out / rel, (
                    "总表中这一行有错误，按 --allow-invalid 仍然生成了；这份报告不会被发送")))
            if options.pdf:
                pdf_wanted.append(entry)
        if options.pdf:
            _build_pdfs(manifest, out, pdf_wanted, workers, result, pdf_progress)
    finally:
        present = {(year_key(r.year), r.agency) for r in report.rows}
        years = {year for year, _agency in present}  # other years' reports are not stale
        result.stale = [Outcome(agency, e.path(out), "总表中已没有这个机关，文件未删除")
                        for (year, agency), e in sorted(manifest.entries.items())
                        if year in years and (year, agency) not in present]
        if result.built or result.pdf_built or result.pdf_failed or manifest_changed:
            save_manifest(out, manifest)
    return result


def _file_stems(rows: list[AgencyRow], manifest: Manifest) -> dict[tuple[str, str], str]:
    """(year folder, agency) -> file name stem, safe and unique within its year folder; names
    the manifest already gave are kept."""
    stems: dict[tuple[str, str], str] = {}
    by_year: dict[str, list[str]] = {}
    for row in rows:
        by_year.setdefault(year_key(row.year), []).append(row.agency)
    for year, names in by_year.items():
        existing = {agency: Path(e.file).stem for (y, agency), e in manifest.entries.items()
                    if y == year}
        for agency, stem in unique_stems(names, existing).items():
            stems[year, agency] = stem
    return stems


def _duplicated(report: CheckReport) -> dict[str, str]:
    """Agency names on more than one row -> why none of those rows is built or sent."""
    return {
        name: (f"总表中有 {len(numbers)} 行都是这个机关（第 {'、'.join(map(str, numbers))} 行）："
               "请删除或合并重复的行后再生成。")
        for name, numbers in report.workbook.duplicates().items()
    }


def _pdf_intact(entry: Entry, out: Path) -> bool:
    pdf = entry.pdf_path(out)
    return pdf is not None and entry.pdf_sha256 is not None and sha256_file(pdf) == entry.pdf_sha256


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
