"""The style sheet, the document settings and the font table: how every paragraph looks."""

from __future__ import annotations

from .oxml import NS, Attrs, Element, el
from .page import (
    CELL_MARGIN,
    FONT_BODY,
    FONT_HEADING,
    FONT_KAI,
    FONT_TABLE,
    FONT_TABLE_ENTRIES,
    FONT_TITLE,
    LANG,
    LATIN,
    LINE_EXACT,
    S_FOOTER,
    S_HEADING,
    S_HEADING2,
    S_RUN_IN,
    S_RUN_IN_BOLD,
    S_SIGNATURE,
    S_TABLE_GRID,
    S_TABLE_SMALL,
    S_TABLE_TEXT,
    S_TITLE,
    SIZE_BODY,
    SIZE_FOOTER,
    SIZE_TABLE,
    SIZE_TABLE_SMALL,
    SIZE_TITLE,
)


def fonts(east_asia: str, latin: str = LATIN) -> Element:
    """Fonts of a run: the Chinese face in the East-Asian slot, ``latin`` for digits and Latin."""
    return el(
        "w:rFonts",
        {"w:ascii": latin, "w:hAnsi": latin, "w:eastAsia": east_asia, "w:cs": latin},
    )


def run_props(east_asia: str, size: int, latin: str = LATIN) -> Element:
    return el(
        "w:rPr",
        None,
        fonts(east_asia, latin),
        el("w:sz", {"w:val": size}),
        el("w:szCs", {"w:val": size}),
    )


def no_indent() -> Element:
    return el("w:ind", {"w:firstLineChars": 0, "w:firstLine": 0})


def single_spacing() -> Element:
    return el("w:spacing", {"w:before": 0, "w:after": 0, "w:line": 240, "w:lineRule": "auto"})


def borders(tag: str) -> Element:
    sides = ("top", "left", "bottom", "right", "insideH", "insideV")
    line: Attrs = {"w:val": "single", "w:sz": 4, "w:space": 0, "w:color": "auto"}
    return el(tag, None, *(el(f"w:{side}", line) for side in sides))


def cell_margins(tag: str, side: int = CELL_MARGIN) -> Element:
    return el(
        tag,
        None,
        el("w:top", {"w:w": 0, "w:type": "dxa"}),
        el("w:left", {"w:w": side, "w:type": "dxa"}),
        el("w:bottom", {"w:w": 0, "w:type": "dxa"}),
        el("w:right", {"w:w": side, "w:type": "dxa"}),
    )


def style(
    kind: str,
    style_id: str,
    name: str,
    *props: Element | None,
    based_on: str | None = None,
    next_style: str | None = None,
    default: bool = False,
    custom: bool = False,
    hidden: bool = False,
) -> Element:
    attrs: Attrs = {"w:type": kind, "w:styleId": style_id}
    if default:
        attrs["w:default"] = 1
    if custom:
        attrs["w:customStyle"] = 1
    return el(
        "w:style",
        attrs,
        el("w:name", {"w:val": name}),
        el("w:basedOn", {"w:val": based_on}) if based_on else None,
        el("w:next", {"w:val": next_style}) if next_style else None,
        el("w:semiHidden") if hidden else None,
        el("w:unhideWhenUsed") if hidden else None,
        el("w:qFormat") if not hidden else None,
        *props,
    )


def styles_xml() -> Element:
    table_props = el(
        "w:tblPr",
        None,
        el("w:tblInd", {"w:w": 0, "w:type": "dxa"}),
        borders("w:tblBorders"),
        cell_margins("w:tblCellMar"),
    )
    return el(
        "w:styles",
        None,
        el(
            "w:docDefaults",
            None,
            el(
                "w:rPrDefault",
                None,
                el(
                    "w:rPr",
                    None,
                    fonts(FONT_BODY),
                    el("w:kern", {"w:val": 2}),
                    el("w:sz", {"w:val": SIZE_BODY}),
                    el("w:szCs", {"w:val": SIZE_BODY}),
                    el("w:lang", LANG),
                ),
            ),
            el("w:pPrDefault"),
        ),
        style(
            "paragraph",
            "Normal",
            "Normal",
            el(
                "w:pPr",
                None,
                el("w:snapToGrid", {"w:val": 0}),
                el("w:spacing", {"w:line": LINE_EXACT, "w:lineRule": "exact"}),
                el("w:ind", {"w:firstLineChars": 200, "w:firstLine": 2 * SIZE_BODY * 10}),
                el("w:jc", {"w:val": "both"}),
            ),
            run_props(FONT_BODY, SIZE_BODY),
            default=True,
        ),
        style(
            "character", "DefaultParagraphFont", "Default Paragraph Font", default=True, hidden=True
        ),
        style(
            "table",
            "TableNormal",
            "Normal Table",
            el(
                "w:tblPr",
                None,
                el("w:tblInd", {"w:w": 0, "w:type": "dxa"}),
                el(
                    "w:tblCellMar",
                    None,
                    el("w:top", {"w:w": 0, "w:type": "dxa"}),
                    el("w:left", {"w:w": 108, "w:type": "dxa"}),
                    el("w:bottom", {"w:w": 0, "w:type": "dxa"}),
                    el("w:right", {"w:w": 108, "w:type": "dxa"}),
                ),
            ),
            default=True,
            hidden=True,
        ),
        style(
            "paragraph",
            S_TITLE,
            "Title",
            el(
                "w:pPr",
                None,
                el("w:spacing", {"w:after": LINE_EXACT, "w:line": 720, "w:lineRule": "exact"}),
                no_indent(),
                el("w:jc", {"w:val": "center"}),
            ),
            run_props(FONT_TITLE, SIZE_TITLE),
            based_on="Normal",
            next_style="Normal",
        ),
        style(
            "paragraph",
            S_HEADING,
            "heading 1",
            el("w:pPr", None, el("w:keepNext"), el("w:outlineLvl", {"w:val": 0})),
            run_props(FONT_HEADING, SIZE_BODY),
            based_on="Normal",
            next_style="Normal",
        ),
        style(
            "paragraph",
            S_HEADING2,
            "heading 2",
            el("w:pPr", None, el("w:keepNext"), el("w:outlineLvl", {"w:val": 1})),
            run_props(FONT_KAI, SIZE_BODY),
            based_on="Normal",
            next_style="Normal",
        ),
        style(
            "character",
            S_RUN_IN,
            "Run-in Heading",
            el("w:rPr", None, fonts(FONT_KAI)),
            based_on="DefaultParagraphFont",
            custom=True,
        ),
        style(
            "character",
            S_RUN_IN_BOLD,
            "Run-in Heading Bold",
            el("w:rPr", None, el("w:b"), el("w:bCs")),
            based_on="DefaultParagraphFont",
            custom=True,
        ),
        style(
            "paragraph",
            S_TABLE_TEXT,
            "Table Text",
            el("w:pPr", None, single_spacing(), no_indent(), el("w:jc", {"w:val": "center"})),
            run_props(FONT_TABLE, SIZE_TABLE),
            based_on="Normal",
            custom=True,
        ),
        style(
            "paragraph",
            S_TABLE_SMALL,
            "Table Text Small",
            run_props(FONT_TABLE, SIZE_TABLE_SMALL),
            based_on=S_TABLE_TEXT,
            custom=True,
        ),
        style("table", S_TABLE_GRID, "Table Grid", table_props, based_on="TableNormal"),
        style(
            "paragraph",
            S_FOOTER,
            "footer",
            el("w:pPr", None, single_spacing(), no_indent(), el("w:jc", {"w:val": "center"})),
            run_props(FONT_TABLE, SIZE_FOOTER, latin=FONT_TABLE),
            based_on="Normal",
        ),
        style(
            "paragraph",
            S_SIGNATURE,
            "Signature",
            el("w:pPr", None, no_indent(), el("w:jc", {"w:val": "right"})),
            based_on="Normal",
        ),
        nsmap={"w": NS["w"]},
    )


def settings_xml() -> Element:
    return el(
        "w:settings",
        None,
        el("w:zoom", {"w:percent": 100}),
        el("w:defaultTabStop", {"w:val": 420}),
        el("w:characterSpacingControl", {"w:val": "compressPunctuation"}),
        el(
            "w:compat",
            None,
            el(
                "w:compatSetting",
                {
                    "w:name": "compatibilityMode",
                    "w:uri": "http://schemas.microsoft.com/office/word",
                    "w:val": 15,
                },
            ),
        ),
        el("w:themeFontLang", {"w:val": LANG["w:val"], "w:eastAsia": LANG["w:eastAsia"]}),
        el("w:decimalSymbol", {"w:val": "."}),
        el("w:listSeparator", {"w:val": ","}),
        nsmap={"w": NS["w"]},
    )


def font_table_xml() -> Element:
    fonts_el = el("w:fonts", None, nsmap={"w": NS["w"]})
    for name, alt, charset, family, pitch in FONT_TABLE_ENTRIES:
        fonts_el.append(
            el(
                "w:font",
                {"w:name": name},
                el("w:altName", {"w:val": alt}) if alt else None,
                el("w:charset", {"w:val": charset}),
                el("w:family", {"w:val": family}),
                el("w:pitch", {"w:val": pitch}),
            )
        )
    return fonts_el
