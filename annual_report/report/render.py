"""Compile a DOCX template once, render many reports, each in about a millisecond.

The tag syntax is docxtpl's (``{{ }}``, ``{%p %}``, ``{%tr %}``, ``{%tc %}``, ``{%r %}`` …): every
part that holds tags is run through docxtpl's own :meth:`DocxTemplate.patch_xml` once
(remembered by :mod:`.patched`), compiled once by Jinja, and kept with the zip members that
never change (see :mod:`annual_report.zipwrite`). A render is then one ``template.render(context)`` per
templated part, a strict XML parse of the result, the core properties, and deflating the
changed members.

Helpers live in their own modules: :mod:`.docx_parts` (which parts hold tags, core properties),
:mod:`.template_vars` (which variables a template reads) and :mod:`.template_errors` (what to tell
the user about a tag that does not compile).

Differences from ``DocxTemplate.render`` (all deliberate):

* every value is XML-escaped (``autoescape``), a missing variable raises (``StrictUndefined``),
  and XML-illegal control characters are removed from every printed value (``finalize``);
* every rendered part is well-formed XML: proven once when the template is compiled
  (:mod:`.xml_proof`), else parsed strictly after each render; docxtpl re-parses with
  ``recover=True``, which can silently cut a document short;
* ``resolve_listing`` is not run over the whole output. Only a printed value can bring a line
  break or tab, so ``finalize`` turns ``\\n`` (and ``\\r``) into ``<w:br/>`` and ``\\t`` into
  ``<w:tab/>`` inside that value, which reads the same as docxtpl's result and costs nothing
  for the ordinary value. ``\\a`` and ``\\f`` (docxtpl's new paragraph and page break) are
  XML-illegal characters and are removed like the others;
* ``{_{`` ``}_}`` ``{_%`` ``%_}`` (docxtpl's way to write a literal ``{{``) are replaced in the
  template's own text only, never inside a value;
* ``fix_tables`` runs only for a part that uses ``{%tc %}``, ``{% hm %}`` or ``{% colspan %}``,
  and ``wp:docPr`` ids are renumbered only for a part that has drawings and a loop;
* ``docProps/core.xml`` is written from :class:`CoreProperties` instead of rendering the template's
  own core properties as Jinja;
* for a ``dict``, ``a.b`` looks up the key ``b`` before the attribute (so a key named ``items``
  or ``values`` is the data, not the dict method);
* templates run in Jinja's immutable sandbox, and a template that reaches for Python's internals
  is refused when it is loaded (:mod:`.template_safety`).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from lxml import etree

from ..errors import RenderError, TemplateError
from ..zipwrite import PreparedZip, read_members
from .docx_parts import (
    CONTENT_TYPES,
    PACKAGE_RELS,
    XML_DECLARATION,
    CoreProperties,
    core_properties_xml,
    ensure_core_part,
    main_document,
    templated_parts,
)
from .jinja_env import WholeGroupPrinted, environment, finalize, markup_printed
from .patched import patch_xml
from .template_errors import syntax_error
from .template_id import RENDERER_VERSION, read_template, template_sha256
from .template_safety import ADVICE, security_words, unsafe_reaches
from .template_vars import VarPath, analyse, has_path
from .xml_check import check_xml, near_text, parse_tree
from .xml_proof import always_well_formed

__all__ = [
    "RENDERER_VERSION",
    "CompiledTemplate",
    "CoreProperties",
    "VarPath",
    "check_xml",
    "finalize",
    "template_sha256",
]

# Bump when a change here changes the output for the same template and context: it is part of
# CompiledTemplate.sha256, so incremental builds re-render everything after such a change.
_WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"

# What docxtpl's pipeline does to a part before patch_xml: python-docx's parser settings.
_TEMPLATE_PARSER_OPTIONS: dict[str, Any] = {"remove_blank_text": True, "resolve_entities": False}
_TAG_START = re.compile(r"\{[{%#]|\{_\{|\}_\}|\{_%|%_\}")
_TABLE_TAGS = re.compile(r"\{%-?\s*(?:tc|hm|colspan)\b|\{\{-?\s*tc\b")
_LOOP_TAG = re.compile(r"\{%-?\s*(?:tr|tc|p|r)?\s*for\b")
_LITERAL_BRACES = (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}"))


@dataclass(frozen=True)
class _Part:
    """One templated XML part, compiled."""

    name: str  # zip member
    where: str  # how a user knows it: 正文、页眉（word/header1.xml）…
    render: Callable[[Mapping[str, Any]], str]
    fix_tables: bool
    docpr_start: int | None  # renumber wp:docPr ids from here, if the part needs it
    proven: bool = False  # every rendering is well-formed XML (xml_proof): no parse per report


def _docx_fix_tables(xml: str) -> etree._Element:
    from docxtpl import DocxTemplate  # imported on use: a re-run that renders nothing skips it

    fixed: etree._Element = DocxTemplate(io.BytesIO()).fix_tables(xml)
    return fixed


class CompiledTemplate:
    """A DOCX template compiled once; :meth:`render` makes one report's DOCX bytes.

    Immutable after loading, so one instance can serve many threads or forked worker processes;
    it pickles as its template bytes and is compiled again when unpickled.
    """

    def __init__(
        self,
        name: str,
        data: bytes,
        env: Environment,
        parts: tuple[_Part, ...],
        core_name: str,
        archive: PreparedZip,
        required: frozenset[VarPath],
        optional: frozenset[VarPath],
    ) -> None:
        self.name = name
        self.sha256 = template_sha256(data)
        self._data = data
        self._env = env
        self._parts = parts
        self._core_name = core_name
        self._archive = archive
        self._required = required
        self._optional = optional

    # -- loading --

    @classmethod
    def load(cls, path: Path) -> CompiledTemplate:
        """Read and compile a template file; :class:`TemplateError` says what is wrong with it."""
        return cls.from_bytes(read_template(path), path.name)

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "template.docx") -> CompiledTemplate:
        """Compile a template held in memory; ``name`` is used in messages."""
        not_docx = (
            f"模板 {name} 不是有效的 DOCX 文件（可能是旧的 .doc 格式、加密文档或已损坏）。"
            "请用 Word 或 WPS 打开后另存为“Word 文档 (*.docx)”。"
        )
        try:
            members = read_members(data)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
            raise TemplateError(not_docx) from exc
        contents = dict(members)
        if CONTENT_TYPES not in contents or PACKAGE_RELS not in contents:
            raise TemplateError(not_docx)
        try:
            types = etree.fromstring(contents[CONTENT_TYPES])
            rels = etree.fromstring(contents[PACKAGE_RELS])
        except etree.XMLSyntaxError as exc:
            raise TemplateError(not_docx) from exc

        main = main_document(rels, types)
        if main is None or main not in contents:
            raise TemplateError(not_docx)
        where_by_part = templated_parts(types, main, contents)

        core_name, types_changed, rels_changed = ensure_core_part(types, rels)
        if types_changed:
            contents[CONTENT_TYPES] = etree.tostring(
                types, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        if rels_changed:
            contents[PACKAGE_RELS] = etree.tostring(
                rels, xml_declaration=True, encoding="UTF-8", standalone=True
            )

        env = environment()
        docpr_next = _max_docpr_id(contents) + 1
        parts: list[_Part] = []
        required: set[VarPath] = set()
        optional: set[VarPath] = set()
        for member, _ in members:
            if member not in where_by_part:
                continue
            where = where_by_part[member]
            try:
                root = etree.fromstring(
                    contents[member], parser=etree.XMLParser(**_TEMPLATE_PARSER_OPTIONS)
                )
            except etree.XMLSyntaxError as exc:
                raise TemplateError(
                    f"模板 {name} 的{where}不是合法的 XML（{exc}），文件可能已损坏。"
                    "请用 Word 打开后另存一份再试。"
                ) from exc
            source = etree.tostring(root, encoding="unicode")
            patched = patch_xml(source)
            if not _TAG_START.search(patched):
                continue  # no tags: copied unchanged
            try:
                ast = env.parse(patched)
                for whole, reach in unsafe_reaches(ast)[:1]:
                    raise TemplateError(
                        f"模板 {name} 的{where}中的表达式 {whole} 试图访问 {reach}。{ADVICE}")
                part_required, part_optional = analyse(ast)
                for data_node in ast.find_all(nodes.TemplateData):
                    for escaped, literal in _LITERAL_BRACES:
                        data_node.data = data_node.data.replace(escaped, literal)
                proven = always_well_formed(ast)  # before compiling: it may fold constants
                template = env.from_string(ast)
            except TemplateSyntaxError as exc:
                raise syntax_error(env, name, where, root, patched, exc) from exc
            required |= part_required
            optional |= part_optional
            plain = re.sub(r"<[^>]+>", "", source)
            docpr_start = None
            if "docPr" in source and _LOOP_TAG.search(plain):
                docpr_start = docpr_next
                docpr_next += 10_000
            parts.append(_Part(member, where, template.render, bool(_TABLE_TAGS.search(plain)),
                               docpr_start, proven))

        dynamic = [part.name for part in parts] + [core_name]
        static = [(CONTENT_TYPES, contents[CONTENT_TYPES])] + [
            (member, contents[member])
            for member, _ in members
            if member != CONTENT_TYPES and member not in dynamic
        ]
        return cls(
            name, data, env, tuple(parts), core_name, PreparedZip(static, dynamic),
            frozenset(required), frozenset(optional - required),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (CompiledTemplate.from_bytes, (self._data, self.name))

    # -- variables --

    def variables(self) -> set[VarPath]:
        """Every variable path the template reads (loop and ``set`` variables excluded)."""
        return set(self._required | self._optional)

    def unknown_variables(self, context: Mapping[str, Any]) -> list[str]:
        """Dotted paths the template needs that ``context`` lacks (``|default`` ones excepted)."""
        return sorted(
            ".".join(path)
            for path in self._required
            if not has_path(context, path, self._env.globals)
        )

    # -- rendering --

    def render(self, context: Mapping[str, Any], core: CoreProperties) -> bytes:
        """The DOCX file's bytes for one context; :class:`RenderError` if it cannot be made."""
        members = {part.name: self._render_part(part, context) for part in self._parts}
        members[self._core_name] = core_properties_xml(core)
        return self._archive.build(members)

    def _render_part(self, part: _Part, context: Mapping[str, Any]) -> bytes:
        markup = markup_printed()
        try:
            text = part.render(context)
        except UndefinedError as exc:
            raise self._undefined_error(part, context, exc) from exc
        except WholeGroupPrinted as exc:
            raise RenderError(
                f"模板 {self.name} 的{part.where}中有一个 {{{{ }}}} 指向一组数据（如 apps.new），"
                "而不是其中的一项（如 apps.new.total）。请把变量名写完整（变量清单见 docs/template.md）。"
            ) from exc
        except SecurityError as exc:  # what the check at loading could not see (a computed name)
            raise RenderError(
                f"按模板 {self.name} 生成{part.where}时，模板试图{security_words(exc)}。{ADVICE}"
            ) from exc
        except JinjaTemplateError as exc:
            raise RenderError(
                f"按模板 {self.name} 生成{part.where}时出错：{exc}。请检查模板中的标签。"
            ) from exc
        except OverflowError as exc:  # the sandbox's limit on range()
            raise RenderError(
                f"按模板 {self.name} 生成{part.where}时出错：range() 最多只能有 100000 项（{exc}）。"
                "请检查模板中的循环。"
            ) from exc
        except Exception as exc:  # a filter or test failed on this agency's values
            raise RenderError(
                f"按模板 {self.name} 生成{part.where}时出错：{type(exc).__name__}: {exc}。"
                "请检查模板中的表达式是否适用于这份数据。"
            ) from exc
        data = XML_DECLARATION + text.encode("utf-8")
        # proven: every rendering is well-formed unless a value brought XML of its own
        problem = None if part.proven and markup_printed() == markup else check_xml(data)
        if problem is not None:
            message, column = problem
            near = near_text(text, column - 1)
            place = f"出错处在「{near}」之后" if near else "出错处之前没有文字"
            raise RenderError(
                f"按模板 {self.name} 生成的{part.where}不是合法的 XML（{message}），"
                f"{place}。常见原因：{{% if %}} 与 {{% endif %}}、"
                "{% for %} 与 {% endfor %} 不在同一段落时，要写成 {%p if … %} … {%p endif %}，"
                "表格行中写成 {%tr … %}。请修改模板后重试。"
            )
        if not part.fix_tables and part.docpr_start is None:
            return data
        if part.fix_tables:
            try:
                root = _docx_fix_tables(text)
            except (AttributeError, TypeError, ValueError, etree.LxmlError) as exc:
                raise RenderError(
                    f"按模板 {self.name} 生成{part.where}时无法修正表格列数（{exc}）。"
                    "请检查使用 {%tc %} 的表格。"
                ) from exc
        else:
            root = parse_tree(data)
        if part.docpr_start is not None:
            for number, element in enumerate(root.iter(_WP_DOCPR), start=part.docpr_start):
                element.set("id", str(number))
        fixed: bytes = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        return fixed

    def _undefined_error(
        self, part: _Part, context: Mapping[str, Any], exc: UndefinedError
    ) -> RenderError:
        missing = self.unknown_variables(context)
        if missing:
            shown = "、".join(missing[:5]) + (f" 等 {len(missing)} 个" if len(missing) > 5 else "")
            return RenderError(
                f"模板变量 {shown} 没有对应的数据：模板 {self.name} 用到了它，但这份数据里没有。"
                "请检查模板中的变量名是否写错（可用的变量见变量说明），或从模板中删去该标签。"
            )
        return RenderError(
            f"模板 {self.name} 的{part.where}用到的变量没有对应的数据（{exc.message}）。"
            "请检查模板中的变量名是否写错。"
        )


def _max_docpr_id(contents: Mapping[str, bytes]) -> int:
    """The highest ``wp:docPr`` id in the package, so renumbered drawings never clash with it."""
    highest = 0
    for member, data in contents.items():
        if member.endswith(".xml") and b"docPr" in data:
            for match in re.finditer(rb"<wp:docPr\b[^>]*?\bid=\"(\d+)\"", data):
                highest = max(highest, int(match.group(1)))
    return highest
