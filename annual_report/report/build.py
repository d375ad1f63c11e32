"""Build the reports of a workbook: check, decide what to (re)build, render in parallel, record.

A re-run rebuilds only agencies whose row or template changed (the manifest records both hashes);
a file changed by hand since it was built, or a file this tool did not write, is never overwritten
without ``force`` (unless it holds exactly the bytes this build would write: then it is adopted);
files of agencies that left the workbook are reported as stale, never deleted.

Every report is recorded in the manifest's journal as it lands, so an interrupted build (any
signal, ``kill -9``) resumes where it stopped. A folder that takes no more files (disk full,
read-only, a link leading out of the output folder) stops the batch with one message.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..bundled import TEMPLATE, bundled_file
from ..checks.verdict import CheckReport, checker_sha256
from ..errors import InputError, OutputError, TemplateError
from ..outputs import exclusive_folder
from ..workbook.rows import AgencyRow, ReadOptions
from ..workbook.sheets import prefetch
from ..workbook.values import clean_line
from .manifest import load_manifest, manifest_state
from .outcome import BuildResult, Outcome
from .rerun import (
    code_sha256,
    forget,
    memo_path,
    remember,
    replay,
    replayed,
    run_key,
    state_path,
)
from .template_id import read_template, template_sha256

if TYPE_CHECKING:
    from .render import CompiledTemplate

__all__ = ["DEFAULT_TEMPLATE", "BuildOptions", "BuildResult", "Outcome", "build_reports"]

DEFAULT_TEMPLATE = bundled_file(TEMPLATE)  # the checkout's templates/, or the installed copy

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
    busy = OutputError(f"另一个 build 或 send 正在使用输出文件夹 {options.out}。请等它结束后再运行。")
    key = run_key((workbook, options.previous), (
        template_hash, checker_sha256(), code_sha256(),
        repr((options.only, options.allow_invalid, options.pdf, options.read, options.previous))))
    if key is not None and not options.force and state_path(options.out).exists():
        with exclusive_folder(options.out, busy):
            recorded = replay(options.out, key)
        if recorded is not None:
            return replayed(recorded, lambda: _check(workbook, options.read, options.previous))
    # Read the workbook in a thread (calamine lets go of the GIL) while the template compiles;
    # not when a memo will most likely spare reading most of it.
    if options.force or not memo_path(options.out).exists():
        prefetch(workbook, options.read.sheet)
    from .batch import build_locked  # the renderer, the workers: only for a build with work
    from .render import CompiledTemplate

    compiling = _compile_meanwhile(CompiledTemplate, options.template)
    # Read before the lock, so that a workbook that cannot be used leaves nothing behind. A row
    # recorded valid and unchanged since, under the same checking code, is valid without rerunning
    # its rules (whichever build recorded it).
    before = manifest_state(options.out)  # first: a manifest replaced meanwhile is read again
    manifest_before = load_manifest(options.out)
    checker = checker_sha256()

    def unchanged_and_valid(row: AgencyRow) -> bool:
        entry = manifest_before.get(row.agency, row.year)
        return (not options.force and entry is not None and entry.valid
                and entry.checker_sha256 == checker and entry.row_sha256 == row.fingerprint())

    # Without --force, rows unchanged since the last read into this folder are not parsed again.
    report = _check(workbook, options.read, options.previous, unchanged_and_valid,
                            memo=None if options.force else memo_path(options.out))
    rows = _select(report, options.only)
    with exclusive_folder(options.out, busy):
        forget(options.out)  # before anything changes: a killed run leaves no record
        # again, under the lock (this is the one written), unless it is the same file still
        same = before is not None and manifest_state(options.out) == before
        manifest = manifest_before if same else load_manifest(options.out)
        result = build_locked(report, rows, template_hash, manifest, options, progress,
                              pdf_progress, compiling.result)
        if not (result.failed or result.pdf_failed):  # a re-run would try those again
            remember(options.out, key, result, manifest)
        return result


def _check(workbook: Path, options: ReadOptions, previous: Path | None,
           trusted: Callable[[AgencyRow], bool] | None = None, memo: Path | None = None
           ) -> CheckReport:
    from ..checks.run import check_workbook  # the rules: only when rows are to be checked

    return check_workbook(workbook, options, previous, trusted, memo=memo)


def _compile_meanwhile(compiled: type[CompiledTemplate], template: Path
                       ) -> Future[CompiledTemplate | TemplateError]:
    """Compile the template in a thread while the workbook is read (the reading lets go of the
    GIL while it inflates and hashes); a template that does not compile is the outcome, raised
    where it always was: when a report is to be made."""
    future: Future[CompiledTemplate | TemplateError] = Future()

    def run() -> None:
        try:
            future.set_result(compiled.load(template))
        except TemplateError as error:
            future.set_result(error)
        except BaseException as error:  # a bug: raised by result(), in the main thread
            future.set_exception(error)

    threading.Thread(target=run, name="compile-template", daemon=True).start()
    return future
