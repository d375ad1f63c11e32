"""Time one report: docxtpl's own loop against CompiledTemplate.render.

Run ``python bench/bench_render.py [N] [--generated]`` from the project folder. It uses
``templates/annual_report.docx`` when that exists (and ``--generated`` is not given), otherwise it
builds a template with python-docx
(headings, narrative loops and table 三 as a 25×7 grid of ``{{ apps.<row>.<col> }}`` tags, about
200 tags). It prints milliseconds per report for (a) ``DocxTemplate(path); render(ctx);
save(BytesIO)``, (b) ``CompiledTemplate.render``, their ratio, and a breakdown of (b).
A plain script: figures only, no assertions.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import docx  # noqa: E402
from docxtpl import DocxTemplate  # noqa: E402

from annual_report import (
    fastzlib,  # noqa: E402
    zipwrite,  # noqa: E402
)
from annual_report.format.model import APP_COLUMNS, APP_ROWS, SECTIONS  # noqa: E402
from annual_report.report.context import Paragraphs, sample_context  # noqa: E402
from annual_report.report.render import CompiledTemplate, CoreProperties, check_xml  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
REAL_TEMPLATE = PROJECT / "templates" / "annual_report.docx"


def build_template(path: Path) -> None:
    """A template shaped like the annual report, about 200 tags."""
    doc = docx.Document()
    doc.add_heading("{{ title }}", 0)
    doc.add_paragraph("{{ agency }}　{{ year }}年度")
    for section in SECTIONS:
        doc.add_heading(f"{{{{ heading.{section.id} }}}}", 1)
        doc.add_paragraph(f"{{%p for para in text.{section.id} %}}")
        doc.add_paragraph("{{ para }}")
        doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{{ summary.applications }}")
    table = doc.add_table(rows=1 + len(APP_ROWS), cols=1 + len(APP_COLUMNS))
    table.style = "Table Grid"
    for j, (_, label) in enumerate(APP_COLUMNS, start=1):
        table.cell(0, j).text = label
    for i, row in enumerate(APP_ROWS, start=1):
        table.cell(i, 0).text = row.label
        for j, (column, _) in enumerate(APP_COLUMNS, start=1):
            table.cell(i, j).text = f"{{{{ apps.{row.key}.{column} }}}}"
    doc.add_paragraph("{{ summary.appeals }}")
    doc.add_paragraph("{{ summary.processing_fee }}")
    doc.add_paragraph("{{ agency }}")
    doc.add_paragraph("{{ report_date }}")
    doc.save(str(path))


def build_context() -> dict[str, Any]:
    ctx = sample_context()
    ctx.update(agency="某某市某某区人民政府办公室", title="某某区2024年政府信息公开工作年度报告")
    ctx["report_date"] = "2025年1月20日"
    n = 0
    for row in APP_ROWS:
        node = ctx["apps"]
        for part in row.key.split("."):
            node = node[part]
        for column, _ in APP_COLUMNS:
            n += 1
            node[column] = n * 7 % 113
    sentence = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开工作。"
    for key in ctx["text"]:
        ctx["text"][key] = Paragraphs([sentence * 3] * 4)
    return ctx


def per_report(fn: Callable[[], object], n: int) -> float:
    """Median of 5 runs of n calls, in ms per call."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1000)
    return statistics.median(runs)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--generated"]
    n = int(args[0]) if args else 200
    with tempfile.TemporaryDirectory() as tmp:
        if REAL_TEMPLATE.exists() and "--generated" not in sys.argv:
            path = REAL_TEMPLATE
        else:
            path = Path(tmp) / "bench.docx"
            build_template(path)
        ctx = build_context()
        core = CoreProperties("标题", "某某区人民政府办公室", dt.datetime(2025, 1, 20))

        def docxtpl_once() -> bytes:
            tpl = DocxTemplate(str(path))
            tpl.render(ctx, autoescape=True)
            out = io.BytesIO()
            tpl.save(out)
            return out.getvalue()

        start = time.perf_counter()
        compiled = CompiledTemplate.load(path)
        load_ms = (time.perf_counter() - start) * 1000
        output = compiled.render(ctx, core)

        tags = sum(1 for _ in compiled.variables())
        print(f"template: {path.name}, {tags} distinct variable paths, load {load_ms:.1f} ms")
        a = per_report(docxtpl_once, max(n // 20, 5))
        b = per_report(lambda: compiled.render(ctx, core), n)
        print(f"(a) docxtpl DocxTemplate+render+save : {a:8.2f} ms/report")
        print(f"(b) CompiledTemplate.render          : {b:8.3f} ms/report")
        print(f"ratio (a)/(b)                        : {a / b:8.1f}x")

        # Where (b)'s time goes, for the main document part.
        part = compiled._parts[0]
        text = part.render(ctx)
        data = text.encode("utf-8")
        print(f"\nbreakdown ({part.name}: {len(data) / 1024:.0f} KiB rendered, "
              f"output {len(output) / 1024:.0f} KiB)")
        print(f"  jinja render        {per_report(lambda: part.render(ctx), n):.3f} ms")
        print(f"  strict lxml check   {per_report(lambda: check_xml(data), n):.3f} ms")
        print(f"  crc32               {per_report(lambda: zlib.crc32(data), n):.3f} ms")
        print(f"  crc32 ({fastzlib.FAST.__name__})   {per_report(lambda: fastzlib.crc32(data), n):.3f} ms")
        for level in (1, 3, 6, 9):
            size = len(zipwrite.deflate(data, level)) / 1024
            ms = per_report(lambda level=level: zipwrite.deflate(data, level), n)
            print(f"  deflate zlib {level}      {ms:.3f} ms -> {size:.1f} KiB")
        size = len(fastzlib.fast_deflate(data)) / 1024
        ms = per_report(lambda: fastzlib.fast_deflate(data), n)
        print(f"  deflate as built    {ms:.3f} ms -> {size:.1f} KiB  ({fastzlib.FAST.__name__} "
              f"level {fastzlib.FAST_LEVEL})")


if __name__ == "__main__":
    main()
