"""The document body in the order of the format's sections, its page setup and the footer."""

from __future__ import annotations

from collections.abc import Callable

from annual_report.format import model as form

from .oxml import NS, Element, el, qn
from .page import (
    FOOTER_DISTANCE,
    HEADER_DISTANCE,
    LINE_EXACT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    S_FOOTER,
    S_HEADING,
    S_SIGNATURE,
    S_TITLE,
)
from .paragraphs import (
    closing_loop,
    paragraph,
    run,
    subheading,
    text_loop,
    text_or_summary,
    var,
)
from .table2 import table2
from .table3 import table3
from .table4 import table4

# What follows each section heading, by section id of ``form.SECTIONS``.
SECTION_BODY: dict[str, Callable[[], list[Element]]] = {
    "overview": lambda: text_loop("text.overview"),
    "proactive": lambda: [*text_loop("text.proactive"), table2()],
    "applications": lambda: [*text_or_summary("applications"), table3()],
    "appeals": lambda: [*text_or_summary("appeals"), table4()],
    "problems": lambda: [
        *subheading("problems"),
        *text_loop("text.problems"),
        *subheading("improvements"),
        *text_loop("text.improvements"),
    ],
    # the agency's other matters with the fee statement merged in (annual_report.report.context)
    "other": lambda: closing_loop("other_matters"),
}

# Room between a table and the heading below it: half a line.
SPACE_AFTER_TABLE = LINE_EXACT // 2


def section_properties(footer_rel: str) -> Element:
    return el(
        "w:sectPr",
        None,
        el("w:footerReference", {"w:type": "default", "r:id": footer_rel}),
        el("w:pgSz", {"w:w": PAGE_WIDTH, "w:h": PAGE_HEIGHT}),
        el(
            "w:pgMar",
            {
                "w:top": MARGIN_TOP,
                "w:right": MARGIN_RIGHT,
                "w:bottom": MARGIN_BOTTOM,
                "w:left": MARGIN_LEFT,
                "w:header": HEADER_DISTANCE,
                "w:footer": FOOTER_DISTANCE,
                "w:gutter": 0,
            },
        ),
        el("w:cols", {"w:space": 425}),
        el("w:docGrid", {"w:linePitch": LINE_EXACT}),
    )


def document_xml(footer_rel: str) -> Element:
    # title_display: the title, broken after the agency's name when it does not fit one line
    body = el("w:body", None, paragraph(var("title_display"), S_TITLE))
    for section in form.SECTIONS:
        after_table = body[-1].tag == qn("w:tbl")
        space = SPACE_AFTER_TABLE if after_table else None
        body.append(paragraph(var(f"heading.{section.id}"), S_HEADING, space_before=space))
        body.extend(SECTION_BODY[section.id]())
    body.append(paragraph(var("agency"), S_SIGNATURE, keep_next=True, space_before=2 * LINE_EXACT))
    body.append(paragraph(var("report_date"), S_SIGNATURE))
    body.append(section_properties(footer_rel))
    return el("w:document", None, body, nsmap={"w": NS["w"], "r": NS["r"]})


def footer_xml() -> Element:
    """The page number as “— 1 —”, centred (a PAGE field between two em dashes)."""
    number = el("w:fldSimple", {"w:instr": " PAGE "}, run("1"))
    return el(
        "w:ftr",
        None,
        el(
            "w:p",
            None,
            el("w:pPr", None, el("w:pStyle", {"w:val": S_FOOTER})),
            run("\u2014 "),
            number,
            run(" \u2014"),
        ),
        nsmap={"w": NS["w"], "r": NS["r"]},
    )
