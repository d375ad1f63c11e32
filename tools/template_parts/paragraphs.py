"""Paragraphs of the body: runs that keep a Jinja tag whole, paragraph tags, narrative loops."""

from __future__ import annotations

from annual_report.format import model as form

from .oxml import Element, el, qn
from .page import S_HEADING2, S_RUN_IN, S_RUN_IN_BOLD


def run(text: str, style_id: str | None = None) -> Element:
    """One run with one text node: a Jinja tag written this way reaches docxtpl intact."""
    node = el("w:t", text=text)
    if text != text.strip():
        node.set(qn("xml:space"), "preserve")
    props = el("w:rPr", None, el("w:rStyle", {"w:val": style_id})) if style_id else None
    return el("w:r", None, props, node)


def paragraph(
    text: str = "",
    style_id: str | None = None,
    *,
    keep_next: bool = False,
    space_before: int | None = None,
) -> Element:
    props: list[Element] = []
    if style_id:
        props.append(el("w:pStyle", {"w:val": style_id}))
    if keep_next:
        props.append(el("w:keepNext"))
    if space_before is not None:
        props.append(el("w:spacing", {"w:before": space_before}))
    return el(
        "w:p",
        None,
        el("w:pPr", None, *props) if props else None,
        run(text) if text else None,
    )


def var(path: str) -> str:
    return f"{{{{ {path} }}}}"


def block_tag(statement: str) -> Element:
    """A docxtpl paragraph tag (``{%p … %}``), alone in its paragraph."""
    return paragraph(f"{{%p {statement} %}}")


def narrative_paragraph(*, keep_next: bool = False) -> Element:
    """A paragraph of a narrative: its run-in heading (楷体 for （一）, bold for 1.), then the rest.

    ``para.head`` is ``""`` for a paragraph without a heading, so only the body shows.
    """
    return el(
        "w:p",
        None,
        el("w:pPr", None, el("w:keepNext")) if keep_next else None,
        run('{%r if para.level == "1" %}'),
        run(var("para.head"), S_RUN_IN_BOLD),
        run("{%r else %}"),
        run(var("para.head"), S_RUN_IN),
        run("{%r endif %}"),
        run(var("para.body")),
    )


def text_loop(key: str) -> list[Element]:
    """One Word paragraph per paragraph of the narrative ``key`` (e.g. ``text.overview``)."""
    if key not in form.FIELD_BY_KEY or form.FIELD_BY_KEY[key].kind is not form.Kind.TEXT:
        raise KeyError(f"{key} is not a narrative field of the format model")
    return [block_tag(f"for para in {key}"), narrative_paragraph(), block_tag("endfor")]


def subheading(part: str) -> list[Element]:
    """The 楷体 label of a part of section 五 (``subheading.problems`` …), when it has one."""
    key = f"subheading.{part}"
    return [block_tag(f"if {key}"), paragraph(var(key), S_HEADING2), block_tag("endif")]


def text_or_summary(section: str) -> list[Element]:
    """The narrative of ``section`` when given, else the sentence computed from the figures."""
    key = f"text.{section}"
    return [
        block_tag(f"if {key}"),
        *text_loop(key),
        block_tag("else"),
        paragraph(var(f"summary.{section}")),
        block_tag("endif"),
    ]


def closing_loop(key: str) -> list[Element]:
    """One paragraph per item of the computed paragraph list ``key`` (``other_matters``), the
    last one kept on the page of what follows (so the signature never stands alone)."""
    return [
        block_tag(f"for para in {key}"),
        block_tag("if loop.last"),
        narrative_paragraph(keep_next=True),
        block_tag("else"),
        narrative_paragraph(),
        block_tag("endif"),
        block_tag("endfor"),
    ]
