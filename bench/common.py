"""Shared by the benchmark scripts: generated workbooks and process measurements."""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Paragraphs of the kind a real report's narrative is made of, without figures (so the narrative
# rules have nothing to contradict); a row draws from them until each section reaches its share.
FILLER = (
    "本机关坚持以公开为常态、不公开为例外，把政务公开工作纳入年度重点工作，主要负责同志多次听取工作汇报，"
    "研究部署重点任务，明确分管领导、责任科室和专职人员，形成了主要领导亲自抓、分管领导具体抓、"
    "责任科室抓落实的工作格局。",
    "围绕重点领域信息公开，进一步完善信息发布、政策解读、回应关切等工作制度，规范信息公开的审查、"
    "发布和更正流程，做到应公开尽公开、能公开尽公开，确保公开内容准确、及时、完整。",
    "持续加强政府网站和政务新媒体建设管理，优化栏目设置，提升检索和阅读的便利性，"
    "对内容更新不及时、互动回应不到位的账号开展排查整改，推动政务新媒体规范有序运行。",
    "严格落实政府信息公开申请办理工作规范，畅通网络、信函、当面等申请渠道，完善登记、审核、"
    "答复、归档各环节的工作要求，依法保障申请人的知情权，答复内容规范、依据充分。",
    "加强政策解读和回应关切，围绕群众关心的教育、医疗、就业、社保等事项，通过图文、问答、"
    "访谈等形式解读政策，主动回应社会关切，及时澄清不实信息，增进社会各界对政策的理解和支持。",
    "一是公开内容的全面性和及时性还需进一步提高，部分栏目更新不够及时；二是政策解读的形式还不够丰富，"
    "解读的针对性和可读性有待加强；三是工作人员的业务能力还需进一步提升。",
    "下一步，本机关将进一步加强组织领导，健全工作机制，加大业务培训力度，提高工作人员的业务水平，"
    "持续提升政务公开的质量和实效，更好地服务经济社会发展和人民群众生产生活。",
    "加强对政务公开工作的监督考核，把政务公开工作纳入年度绩效考核，定期通报工作进展情况，"
    "对工作中发现的问题及时督促整改，推动各项工作要求落到实处。",
)
TEXT_KEYS = ("text.overview", "text.proactive", "text.applications", "text.appeals",
             "text.problems", "text.improvements", "text.other")
NARRATIVE_CHARS = 3000  # a real report's narrative, all sections of one row together


def _lengthen(record: dict[str, Any], rng: random.Random, chars: int) -> None:
    """Fill every narrative section of ``record`` with paragraphs to ``chars`` in all."""
    share = chars // len(TEXT_KEYS)
    for key in TEXT_KEYS:
        parts = [record[key]] if record.get(key) else []
        while (size := sum(len(p) for p in parts)) < share:
            paragraph = rng.choice(FILLER)
            if parts and size + len(paragraph) > share + len(paragraph) // 2:
                break  # closer to the share without it
            parts.append(paragraph)
        record[key] = "\n".join(parts)


# How the workbooks are written: "excel" as Excel and WPS store them (texts in the shared
# strings), or "openpyxl" as a script saving them with openpyxl does (texts inline in the sheet,
# Chinese as character references: four times the XML). Set by targets.py --writer.
WRITER = "excel"


def workbook(count: int, narrative: int = NARRATIVE_CHARS, changed: bool = False) -> Path:
    """A consistent workbook of ``count`` agencies whose narratives have about ``narrative``
    characters a row (made once, kept in bench/out/). ``changed``: the same but for one
    sentence more in one agency's section 六."""
    from annual_report.format.synthetic import district_records
    from annual_report.workbook.blank import share_strings, write_workbook

    path = OUT / f"bench-{count}-{narrative}{'-changed' if changed else ''}.xlsx"
    if WRITER == "openpyxl":
        return _saved_by_openpyxl(path, lambda: workbook_as(count, narrative, changed))
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        rng = random.Random(count)
        records = district_records(count, seed=count)
        for record in records:
            _lengthen(record, rng, narrative)
        if changed:
            records[count // 2]["text.other"] += "\n本年度另有一项补充说明。"
        partial = path.with_suffix(".partial")
        write_workbook(partial, records)
        share_strings(partial)  # as Excel and WPS store texts
        partial.replace(path)
    return path


def workbook_as(count: int, narrative: int, changed: bool, writer: str = "excel") -> Path:
    global WRITER
    was, WRITER = WRITER, writer
    try:
        return workbook(count, narrative, changed)
    finally:
        WRITER = was


def _saved_by_openpyxl(excel_path: Path, excel: Any) -> Path:
    """The workbook at ``excel_path`` (made by ``excel()``) as openpyxl saves it, beside it."""
    import openpyxl

    path = excel_path.with_name(excel_path.stem + "-openpyxl.xlsx")
    if not path.exists():
        source = openpyxl.load_workbook(excel(), read_only=True)
        book = openpyxl.Workbook()
        book.remove(book.active)
        for sheet in source.worksheets:
            copy = book.create_sheet(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                copy.append(list(row))
        partial = path.with_suffix(".partial")
        book.save(partial)
        partial.replace(path)
    return path


def changed_workbook(count: int) -> Path:
    return workbook(count, changed=True)


def figure_changed_workbook(count: int) -> Path:
    """The workbook of ``count`` agencies with one figure of one agency changed in the sheet's
    XML, everything else byte for byte the same (as Excel saves a corrected number)."""
    path = OUT / f"bench-{count}-{NARRATIVE_CHARS}-figure{'-openpyxl' if WRITER != 'excel' else ''}.xlsx"
    if not path.exists():
        source = workbook(count)
        with zipfile.ZipFile(source) as archive:
            parts = [(info, archive.read(info)) for info in archive.infolist()]
        row = count // 2 + 4  # below the header rows
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info, data in parts:
                if info.filename == "xl/worksheets/sheet1.xml":
                    start = data.index(b'<c r="L%d"' % row)
                    end = data.index(b"</c>", start)
                    value = re.search(rb"<v>([0-9]+)</v>", data[start:end])
                    assert value is not None
                    cell = data[start:end].replace(value.group(0), b"<v>%d</v>" % (
                        int(value.group(1)) + 1))
                    data = data[:start] + cell + data[end:]
                out.writestr(info, data)
        path.write_bytes(buffer.getvalue())
    return path


TRASH = OUT / "trash"


def set_aside(folder: Path) -> None:
    """Move ``folder`` (an earlier run's output) out of the way; :func:`empty_trash` deletes it
    once everything is measured.

    Deleting thousands of files just before a measured build would time the file system rather
    than the build: ext4 without a journal (as on these machines) skips every inode freed in the
    last minutes when it allocates one, so each file created after a big delete costs up to a
    millisecond of kernel time that grows with the number deleted (seen with ``perf``:
    ``recently_deleted``). Renaming a folder frees nothing."""
    if folder.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        folder.rename(TRASH / f"{folder.name}-{time.monotonic_ns()}")


def empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)


@dataclass(frozen=True)
class Measured:
    """One command's wall time and CPU time (its own and its workers')."""

    wall: float
    cpu: float


def run(command: list[str]) -> Measured:
    """Run a command from the project folder, measuring it (its output is discarded)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command} failed ({process.returncode}): {errors.decode()[-2000:]}")
    # wait4 reports the child and every descendant it waited for (the build's workers)
    return Measured(wall, usage.ru_utime + usage.ru_stime)


# Runs a command and writes the peak memory wait4 reports for it to the file named first.
_PEAK = ("import os, sys\n"
         "pid = os.spawnv(os.P_NOWAIT, sys.argv[2], sys.argv[2:])\n"
         "_pid, status, usage = os.wait4(pid, 0)\n"
         "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
         "sys.exit(os.waitstatus_to_exitcode(status))\n")


def peak_mib(command: list[str]) -> float:
    """The peak resident memory of a command (the largest of it and its workers), in MiB.

    It is what the command reports to a small launcher: Linux starts a child's peak at its
    parent's own peak (the memory the two share until the exec), and this process grows (the
    docxtpl baseline runs in it), so it must not be the parent."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak", delete=False) as handle:
        peak_file = handle.name
    try:
        run([sys.executable, "-c", _PEAK, peak_file, shutil.which(command[0]) or command[0],
             *command[1:]])
        return int(Path(peak_file).read_text() or 0) / 1024
    finally:
        os.unlink(peak_file)
