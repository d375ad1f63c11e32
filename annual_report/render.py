"""Compile a DOCX template once, render many reports, each in about a millisecond.

The tag syntax is docxtpl's (``{{ }}``, ``{%p %}``, ``{%tr %}``, ``{%tc %}``, ``{%r %}`` …): every
part that holds tags is run through docxtpl's own :meth:`DocxTemplate.patch_xml` once, compiled
once by Jinja, and kept with the zip members that never change (see :mod:`.docxzip`). A render is
then one ``template.render(context)`` per templated part, a strict XML parse of the result, the
core properties, and deflating the changed members.

Differences from ``DocxTemplate.render`` (all deliberate):

* every value is XML-escaped (``autoescape``), a missing variable raises (``StrictUndefined``),
  and XML-illegal control characters are removed from every printed value (``finalize``);
* every rendered part is parsed strictly; docxtpl re-parses with ``recover=True``, which can
  silently cut a document short;
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
  or ``values`` is the data, not the dict method).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, nodes
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.exceptions import TemplateSyntaxError, UndefinedError
from lxml import etree
from markupsafe import Markup, escape

from .docxzip import PreparedZip, read_members
from .errors import RenderError, TemplateError

# Bump when a change here changes the output for the same template and context: it is part of
# CompiledTemplate.sha256, so incremental builds re-render everything after such a change.
RENDERER_VERSION = "1"

VarPath = tuple[str, ...]

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_WORK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\t\n\r]")
_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'
_PLAIN_TYPES = (int, float, Decimal, bool)

_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = "[Content_Types].xml"
_PACKAGE_RELS = "_rels/.rels"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT_RELS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_CORE_CONTENT_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
_DEFAULT_CORE = "docProps/core.xml"
# Parts rendered when they contain tags, by content type suffix, with the name a user knows.
_TEMPLATED_PARTS = {
    ".wordprocessingml.header+xml": "页眉",
    ".wordprocessingml.footer+xml": "页脚",
    ".wordprocessingml.footnotes+xml": "脚注",
    ".wordprocessingml.endnotes+xml": "尾注",
}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"

# What docxtpl's pipeline does to a part before patch_xml: python-docx's parser settings.
_TEMPLATE_PARSER_OPTIONS: dict[str, Any] = {"remove_blank_text": True, "resolve_entities": False}
_TAG_START = re.compile(r"\{[{%#]|\{_\{|\}_\}|\{_%|%_\}")
_TABLE_TAGS = re.compile(r"\{%-?\s*(?:tc|hm|colspan)\b|\{\{-?\s*tc\b")
_LOOP_TAG = re.compile(r"\{%-?\s*(?:tr|tc|p|r)?\s*for\b")
_LITERAL_BRACES = (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}"))
_ALWAYS_LOCAL = frozenset({"loop", "caller", "varargs", "kwargs", "self", "super"})


@dataclass(frozen=True)
class CoreProperties:
    """What goes into ``docProps/core.xml``; a naive ``created`` is taken as UTC."""

    title: str
    author: str
    created: dt.datetime


def template_sha256(data: bytes) -> str:
    """The identity of a template for incremental builds: its bytes and the renderer's version."""
    return hashlib.sha256(data + b"\0renderer " + RENDERER_VERSION.encode()).hexdigest()


# --- values --------------------------------------------------------------------------------------


def _listing(xml_text: str) -> Markup:
    """Escaped text with line breaks and tabs as WordprocessingML run content."""
    text = _XML_ILLEGAL.sub("", xml_text).replace("\r\n", "\n").replace("\r", "\n")
    return Markup(text.replace("\n", _BREAK).replace("\t", _TAB))


def finalize(value: Any) -> Any:
    """Jinja's ``finalize``: what a printed value becomes before it is escaped.

    XML-illegal characters are removed; a line break or tab becomes ``<w:br/>``/``<w:tab/>``
    (which assumes the value is printed inside ``<w:t>``, as every docxtpl tag is).
    """
    kind = type(value)
    if kind is str:
        if _NEEDS_WORK.search(value) is None:
            return value
        return _listing(str(escape(value)))
    if kind in _PLAIN_TYPES:
        return value
    markup = getattr(value, "__html__", None)
    if markup is not None:  # docxtpl RichText/Listing or Markup: already XML
        text = markup()
        return value if _NEEDS_WORK.search(text) is None else _listing(text)
    text = str(value)
    return text if _NEEDS_WORK.search(text) is None else _listing(str(escape(text)))


class _Environment(Environment):
    """Jinja environment whose ``a.b`` prefers a dict's key to its attribute (and is faster)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _environment() -> Environment:
    return _Environment(
        autoescape=True,
        undefined=StrictUndefined,
        finalize=finalize,
        cache_size=0,
        auto_reload=False,
    )


def _xml_text(value: str) -> str:
    return html.escape(_XML_ILLEGAL.sub("", value), quote=False)


def _w3cdtf(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def core_properties_xml(core: CoreProperties) -> bytes:
    """The ``docProps/core.xml`` of a report."""
    author = _xml_text(core.author)
    created = _w3cdtf(core.created)
    return _XML_DECLARATION + (
        '<cp:coreProperties'
        ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_xml_text(core.title)}</dc:title>"
        f"<dc:creator>{author}</dc:creator>"
        f"<cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


# --- variables -----------------------------------------------------------------------------------


def _local_names(ast: nodes.Template) -> set[str]:
    """Names the template assigns itself (loop and set targets, macro arguments, imports)."""
    names = set(_ALWAYS_LOCAL)
    for name in ast.find_all(nodes.Name):
        if name.ctx in ("store", "param"):
            names.add(name.name)
    for macro in ast.find_all(nodes.Macro):
        names.add(macro.name)
    for imported in ast.find_all(nodes.Import):
        names.add(imported.target)
    for from_import in ast.find_all(nodes.FromImport):
        for entry in from_import.names:
            names.add(entry[1] if isinstance(entry, tuple) else entry)
    return names


def _chain(node: nodes.Node) -> tuple[VarPath | None, list[nodes.Node]]:
    """The variable path of a ``a.b["c"]`` chain and the sub-expressions it leaves to visit."""
    parts: list[str] = []
    rest: list[nodes.Node] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str | int):
                parts.append(str(arg.value))
            else:  # a computed subscript: only the part before it is known
                parts.clear()
                rest.append(arg)
            node = node.node
        elif isinstance(node, nodes.Name):
            if node.ctx != "load":
                return None, rest
            return (node.name, *reversed(parts)), rest
        else:
            rest.append(node)
            return None, rest


def _guards(test: nodes.Node) -> frozenset[VarPath]:
    """Paths an ``{% if %}`` test proves defined (``x is defined``, ``a and b is defined``)."""
    if isinstance(test, nodes.Test) and test.name == "defined" and test.node is not None:
        path, _ = _chain(test.node)
        return frozenset({path}) if path is not None else frozenset()
    if isinstance(test, nodes.And):
        return _guards(test.left) | _guards(test.right)
    return frozenset()


def _analyse(ast: nodes.Template) -> tuple[frozenset[VarPath], frozenset[VarPath]]:
    """(paths the template needs, paths it only tests or defaults) — loop variables excluded."""
    local = _local_names(ast)
    required: set[VarPath] = set()
    optional: set[VarPath] = set()

    def record(path: VarPath, guarded: bool, guards: frozenset[VarPath]) -> None:
        if path[0] in local:
            return
        if guarded or any(path[: len(guard)] == guard for guard in guards):
            optional.add(path)
        else:
            required.add(path)

    def visit(node: nodes.Node, guarded: bool, guards: frozenset[VarPath]) -> None:
        if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name):
            path, rest = _chain(node)
            if path is not None:
                record(path, guarded, guards)
            for child in rest:
                visit(child, guarded, guards)
            return
        if isinstance(node, nodes.If):  # {% if x is defined %}…x…{% endif %}
            visit(node.test, guarded, guards)
            for child in node.body:
                visit(child, guarded, guards | _guards(node.test))
            for child in (*node.elif_, *node.else_):
                visit(child, guarded, guards)
            return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            visit(node.node.node, guarded, guards)  # a.items(): the template reads a
            for child in node.iter_child_nodes(exclude=("node",)):
                visit(child, guarded, guards)
            return
        if (
            isinstance(node, nodes.Filter) and node.name in ("default", "d")
        ) or (isinstance(node, nodes.Test) and node.name in ("defined", "undefined")):
            if node.node is not None:
                visit(node.node, True, guards)
            for child in node.iter_child_nodes(exclude=("node",)):
                visit(child, guarded, guards)
            return
        for child in node.iter_child_nodes():
            visit(child, guarded, guards)

    visit(ast, False, frozenset())
    return frozenset(required), frozenset(optional - required)


def _has_path(context: Mapping[str, Any], path: VarPath, builtins: Mapping[str, Any]) -> bool:
    head, *tail = path
    if head in context:
        obj = context[head]
    elif head in builtins:
        obj = builtins[head]
    else:
        return False
    for key in tail:
        if isinstance(obj, Mapping):
            if key in obj:
                obj = obj[key]
                continue
            if key.lstrip("-").isdigit() and int(key) in obj:
                obj = obj[int(key)]
                continue
            return False
        if isinstance(obj, Sequence) and not isinstance(obj, str) and key.lstrip("-").isdigit():
            index = int(key)
            if -len(obj) <= index < len(obj):
                obj = obj[index]
                continue
            return False
        try:
            obj = getattr(obj, key)
        except AttributeError:
            return False
    return True


# --- template errors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tag:
    ordinal: int  # 1-based, in the part
    line: int  # Jinja line in the paragraph-numbered source: paragraph = line - 1
    text: str

    @property
    def keyword(self) -> str:
        match = re.match(r"\{%[-+]?\s*(\w+)", self.text)
        return match.group(1) if match else ""


_TAG_RE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
_OPENERS = frozenset({"for", "if", "macro", "call", "filter", "with", "block", "autoescape", "raw"})


def _tags(numbered: str) -> list[_Tag]:
    found = []
    for ordinal, match in enumerate(_TAG_RE.finditer(numbered), start=1):
        text = html.unescape(re.sub(r"<[^>]+>", "", match.group()))
        found.append(_Tag(ordinal, numbered.count("\n", 0, match.start()) + 1, text))
    return found


def _open_block(tags: list[_Tag], stop: int, keyword: str | None) -> _Tag | None:
    """The innermost block still open before tag number ``stop`` (of kind ``keyword``)."""
    stack: list[_Tag] = []
    for tag in tags[: stop - 1]:
        word = tag.keyword
        if word in _OPENERS or (word == "set" and "=" not in tag.text):
            stack.append(tag)
        elif word.startswith("end"):
            opened = word[3:]
            for i in range(len(stack) - 1, -1, -1):
                if stack[i].keyword == opened:
                    del stack[i:]
                    break
    for tag in reversed(stack):
        if keyword is None or tag.keyword == keyword:
            return tag
    return None


def _wrong_alone(env: Environment, tag: _Tag) -> bool:
    """Whether the tag is wrong by itself (not merely missing its other half)."""
    try:
        env.parse(tag.text)
    except TemplateSyntaxError as exc:
        message = exc.message or ""
        return not ("Unexpected end of template" in message or "unknown tag" in message)
    return False


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _normal(text: str) -> str:
    """A tag or paragraph text without docxtpl's level letters, trim marks and spaces."""
    text = re.sub(r"(\{[%{#])[-+]?\s*(?:(?:p|tr|tc|r)\s)?", r"\1", text.translate(_QUOTES))
    text = re.sub(r"[-+]?([%}#]\})", r"\1", text)
    return re.sub(r"\s+", "", text)


def _paragraph_of(root: etree._Element, tags: list[_Tag], culprit: _Tag) -> int | None:
    """The 1-based paragraph of the original part that holds the tag (tables included)."""
    key = _normal(culprit.text)
    if not key:
        return None
    earlier = sum(1 for tag in tags[: culprit.ordinal - 1] if _normal(tag.text) == key)
    seen = 0
    for number, paragraph in enumerate(root.iter(f"{_W}p"), start=1):
        text = etree.tostring(paragraph, method="text", encoding="unicode")
        seen += _normal(text).count(key)
        if seen > earlier:
            return number
    return None


def _hint(message: str) -> str:
    if match := re.search(r"innermost block that needs to be closed is '(\w+)'", message):
        block = match.group(1)
        if "Unexpected end of template" in message:
            return f"{{% {block} %}} 没有对应的结束标签 {{% end{block} %}}"
        return f"标签嵌套错误：{{% {block} %}} 尚未用 {{% end{block} %}} 结束"
    if "Unexpected end of template" in message:
        return "有未结束的块，缺少 {% endfor %} 或 {% endif %} 等结束标签"
    if match := re.search(r"unknown tag '(\w+)'", message):
        return f"无法识别的标签 {match.group(1)}（拼写错误，或缺少与之配对的开始标签）"
    if match := re.search(r"No (filter|test) named '([^']+)'", message):
        kind = "过滤器" if match.group(1) == "filter" else "测试"
        return f"没有名为 {match.group(2)} 的{kind}"
    return "标签写法不完整或有多余字符（请检查括号、引号和运算符，中文引号要改为英文引号）"


def _syntax_error(
    env: Environment,
    name: str,
    where: str,
    root: etree._Element,
    patched: str,
    error: TemplateSyntaxError,
) -> TemplateError:
    """A Chinese message naming the offending tag, its number and paragraph in the part."""
    # Compile once more with a line per paragraph, as docxtpl does, to find the place.
    numbered = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
    line, message = error.lineno, error.message or str(error)
    try:
        env.from_string(numbered)
    except TemplateSyntaxError as again:
        line, message = again.lineno, again.message or message
    tags = _tags(numbered)
    on_line = [tag for tag in tags if tag.line == line]
    unknown = re.search(r"unknown tag '(\w+)'", message)
    failing = next((t for t in on_line if unknown and t.keyword == unknown.group(1)), None)
    culprit: _Tag | None = None
    if match := re.search(r"innermost block that needs to be closed is '(\w+)'", message):
        stop = failing.ordinal if failing else len(tags) + 1
        culprit = _open_block(tags, stop, match.group(1))
    elif "Unexpected end of template" in message:
        culprit = _open_block(tags, len(tags) + 1, None)
    culprit = culprit or failing or next((t for t in on_line if _wrong_alone(env, t)), None)
    if culprit is None and on_line:
        culprit = on_line[0]
    paragraph = _paragraph_of(root, tags, culprit) if culprit else None
    at = f"{where}第 {paragraph or max(line - 1, 1)} 段{'' if paragraph else '附近'}"
    if culprit is not None:
        text = culprit.text if len(culprit.text) <= 80 else culprit.text[:80] + "…"
        return TemplateError(
            f"模板 {name} 第 {culprit.ordinal} 处标签语法错误：{text}（{at}）。{_hint(message)}。"
            f"请在 Word 中改正该标签后重试。（Jinja：{message}）"
        )
    return TemplateError(
        f"模板 {name} 的{at}有标签语法错误：{_hint(message)}。"
        f"请在 Word 中改正后重试。（Jinja：{message}）"
    )


# --- parts ---------------------------------------------------------------------------------------


class _NoTree:
    """An lxml parser target that builds nothing, so a parse only checks the XML."""

    def close(self) -> None:
        return None


def check_xml(data: bytes) -> tuple[str, int] | None:
    """``None`` if ``data`` is well-formed, namespace-correct XML, else (lxml's message, column).

    A strict lxml parse (no ``recover``) without building a tree, which takes about half the
    time. libxml2 reports an undeclared namespace prefix from its tree builder only, so the
    parser's error log is checked for such errors as well.
    """
    target: Any = _NoTree()  # the stubs want start/end/data methods, which would slow it down
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True)
    try:
        etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return exc.msg, exc.position[1] if exc.position else 0
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.ERROR:
            return entry.message, entry.column
    return None


def _parse_tree(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, collect_ids=False)
    return etree.fromstring(data, parser)


def _near(xml: str, column: int) -> str:
    """The document text just before a column of the one-line rendered XML."""
    pieces = re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)", xml[:column])
    return html.unescape("".join(pieces))[-40:]


@dataclass(frozen=True)
class _Part:
    """One templated XML part, compiled."""

    name: str  # zip member
    where: str  # how a user knows it: 正文、页眉（word/header1.xml）…
    render: Callable[[Mapping[str, Any]], str]
    fix_tables: bool
    docpr_start: int | None  # renumber wp:docPr ids from here, if the part needs it


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
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise TemplateError(f"找不到模板文件 {path}：请检查路径和文件名。") from exc
        except IsADirectoryError as exc:
            raise TemplateError(f"模板 {path} 是一个文件夹，请指定 .docx 模板文件。") from exc
        except OSError as exc:
            raise TemplateError(f"无法读取模板文件 {path}：{exc.strerror or exc}。") from exc
        return cls.from_bytes(data, path.name)

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
        if _CONTENT_TYPES not in contents or _PACKAGE_RELS not in contents:
            raise TemplateError(not_docx)
        try:
            types = etree.fromstring(contents[_CONTENT_TYPES])
            rels = etree.fromstring(contents[_PACKAGE_RELS])
        except etree.XMLSyntaxError as exc:
            raise TemplateError(not_docx) from exc

        main = _relationship_target(rels, _OFFICE_DOCUMENT_RELS)
        if main is None or main not in contents:
            raise TemplateError(not_docx)
        where_by_part = {main: "正文"}
        for override in types.iter(f"{{{_CT_NS}}}Override"):
            part = override.get("PartName", "").lstrip("/")
            content_type = override.get("ContentType", "")
            for suffix, label in _TEMPLATED_PARTS.items():
                if content_type.endswith(suffix) and part in contents:
                    where_by_part[part] = f"{label}（{part}）"

        core_name, types_changed, rels_changed = _ensure_core_part(types, rels)
        if types_changed:
            contents[_CONTENT_TYPES] = etree.tostring(
                types, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        if rels_changed:
            contents[_PACKAGE_RELS] = etree.tostring(
                rels, xml_declaration=True, encoding="UTF-8", standalone=True
            )

        env = _environment()
        from docxtpl import DocxTemplate

        patcher = DocxTemplate(io.BytesIO(data))
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
            patched: str = patcher.patch_xml(source)
            if not _TAG_START.search(patched):
                continue  # no tags: copied unchanged
            try:
                ast = env.parse(patched)
                part_required, part_optional = _analyse(ast)
                for data_node in ast.find_all(nodes.TemplateData):
                    for escaped, literal in _LITERAL_BRACES:
                        data_node.data = data_node.data.replace(escaped, literal)
                template = env.from_string(ast)
            except TemplateSyntaxError as exc:
                raise _syntax_error(env, name, where, root, patched, exc) from exc
            required |= part_required
            optional |= part_optional
            plain = re.sub(r"<[^>]+>", "", source)
            docpr_start = None
            if "docPr" in source and _LOOP_TAG.search(plain):
                docpr_start = docpr_next
                docpr_next += 10_000
            parts.append(
                _Part(member, where, template.render, bool(_TABLE_TAGS.search(plain)), docpr_start)
            )

        dynamic = [part.name for part in parts] + [core_name]
        static = [(_CONTENT_TYPES, contents[_CONTENT_TYPES])] + [
            (member, contents[member])
            for member, _ in members
            if member != _CONTENT_TYPES and member not in dynamic
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
            if not _has_path(context, path, self._env.globals)
        )

    # -- rendering --

    def render(self, context: Mapping[str, Any], core: CoreProperties) -> bytes:
        """The DOCX file's bytes for one context; :class:`RenderError` if it cannot be made."""
        members = {part.name: self._render_part(part, context) for part in self._parts}
        members[self._core_name] = core_properties_xml(core)
        return self._archive.build(members)

    def _render_part(self, part: _Part, context: Mapping[str, Any]) -> bytes:
        try:
            text = part.render(context)
        except UndefinedError as exc:
            raise self._undefined_error(part, context, exc) from exc
        except JinjaTemplateError as exc:
            raise RenderError(
                f"按模板 {self.name} 生成{part.where}时出错：{exc}。请检查模板中的标签。"
            ) from exc
        except Exception as exc:  # a filter or test failed on this agency's values
            raise RenderError(
                f"按模板 {self.name} 生成{part.where}时出错：{type(exc).__name__}: {exc}。"
                "请检查模板中的表达式是否适用于这份数据。"
            ) from exc
        data = _XML_DECLARATION + text.encode("utf-8")
        problem = check_xml(data)
        if problem is not None:
            message, column = problem
            near = _near(text, column - 1)
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
            root = _parse_tree(data)
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


def _relationship_target(rels: etree._Element, types: Sequence[str]) -> str | None:
    for rel in _relationships(rels):
        if rel.get("Type") in types and rel.get("TargetMode") != "External":
            return rel.get("Target", "").lstrip("/") or None
    return None


def _relationships(rels: etree._Element) -> Iterator[etree._Element]:
    return rels.iter(f"{{{_REL_NS}}}Relationship")


def _ensure_core_part(types: etree._Element, rels: etree._Element) -> tuple[str, bool, bool]:
    """The core properties part's name; adds its relationship and content type when missing."""
    rels_changed = types_changed = False
    core = _relationship_target(rels, (_CORE_REL,))
    if core is None:
        core = _DEFAULT_CORE
        taken = {rel.get("Id") for rel in _relationships(rels)}
        rel_id = next(f"rIdCore{n}" for n in range(1, len(taken) + 2) if f"rIdCore{n}" not in taken)
        etree.SubElement(
            rels, f"{{{_REL_NS}}}Relationship", Id=rel_id, Type=_CORE_REL, Target=core
        )
        rels_changed = True
    part_names = {o.get("PartName", "").lstrip("/") for o in types.iter(f"{{{_CT_NS}}}Override")}
    if core not in part_names:
        etree.SubElement(
            types, f"{{{_CT_NS}}}Override", PartName=f"/{core}", ContentType=_CORE_CONTENT_TYPE
        )
        types_changed = True
    return core, types_changed, rels_changed


def _max_docpr_id(contents: Mapping[str, bytes]) -> int:
    highest = 0
    for member, data in contents.items():
        if member.endswith(".xml") and b"docPr" in data:
            for match in re.finditer(rb"<wp:docPr\b[^>]*?\bid=\"(\d+)\"", data):
                highest = max(highest, int(match.group(1)))
    return highest
