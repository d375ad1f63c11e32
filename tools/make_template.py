"""Build ``templates/annual_report.docx``, the project's default docxtpl template.

The template is written part by part with lxml (no python-docx default template is involved), so
the package holds only what the report needs: the body, a small style sheet, the settings, a font
table, a footer with the page number and the core properties. Every label and every tag of the
three tables comes from :mod:`annual_report.format.model`; nothing of table 三 is typed here.
The parts are built in ``tools/template_parts/`` (page and styles, paragraphs, each table, the
document, the package).

The output is reproducible: the parts are written in a fixed order, with a fixed time stamp and
fixed core properties, so two runs give the same bytes.

Usage::

    python tools/make_template.py [--output templates/annual_report.docx]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, Path(__file__).resolve().parent):  # the package, and template_parts beside us
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from template_parts.oxml import qn  # noqa: E402
from template_parts.package import build_parts, zip_parts  # noqa: E402

DEFAULT_OUTPUT = ROOT / "templates" / "annual_report.docx"


def build_bytes() -> bytes:
    return zip_parts(build_parts())


def build(path: Path = DEFAULT_OUTPUT) -> Path:
    """Write the template to ``path`` (the repository's default template unless given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_bytes())
    return path



TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def jinja_tags(parts: dict[str, bytes]) -> list[str]:
    """The Jinja tags of the template's parts, in document order."""
    tags: list[str] = []
    for data in parts.values():
        root = etree.fromstring(data)
        for node in root.iter(qn("w:t"), qn("dc:title"), qn("dc:creator")):
            tags += TAG_RE.findall(node.text or "")
    return tags


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the .docx to write")
    args = parser.parse_args(argv)
    path = build(args.output)
    tags = jinja_tags(build_parts())
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(tags)} Jinja tags)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
