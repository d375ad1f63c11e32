"""Prove once, when a template is compiled, that every report it renders is well-formed XML.

A rendered part is the template's own XML text with printed values and the bodies of
``{% if %}``/``{% for %}`` put in or left out. :func:`always_well_formed` reads the compiled
template's syntax tree and proves, without rendering anything, that every possible rendering is
well-formed, namespace-correct XML:

* the template's text between tags is scanned as XML (elements, attributes, character and entity
  references, comments); each piece starts and ends between elements, never inside a tag;
* every ``{% if %}``, ``{% elif %}``, ``{% else %}`` and ``{% for %}`` body is balanced: it closes
  exactly the elements it opens, so any number of repetitions or none leaves the rest intact;
  and none sits outside the root element;
* every printed value stands inside a ``<w:t>`` (it is escaped text; a line break or tab becomes
  ``</w:t><w:br/><w:t …>``, balanced there, see :mod:`.jinja_env`);
* every prefix is declared on an enclosing element, no attribute is given twice;
* nothing can print markup unescaped (``|safe``, ``|urlize``, ``|xmlattr``, ``lipsum()``, a
  macro, a ``{% set %}`` block, ``{% autoescape false %}`` … make the proof fail).

The values come from :func:`.context.build_context` (strings, numbers, lists): none carries its own
markup; a value that does (``__html__``: docxtpl's RichText, a Markup) is counted as it is printed
(:func:`.jinja_env.markup_printed`) and that rendering is parsed strictly after all. When the proof
fails (``False``) the part is parsed strictly after every render, as before; the proof never
rejects a template, it only spares the parse where it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jinja2 import nodes

_S = "[ \t\r\n]"
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?"
_ATTRIBUTE = re.compile(rf"{_S}+({_NAME}){_S}*={_S}*(?:\"([^\"<]*)\"|'([^'<]*)')")
_START = re.compile(rf"<({_NAME})((?:{_S}+{_NAME}{_S}*={_S}*(?:\"[^\"<]*\"|'[^'<]*'))*){_S}*(/?)>")
_END = re.compile(rf"</({_NAME}){_S}*>")
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
_TEXT_WORD = "w:t"
_XML_URI = "http://www.w3.org/XML/1998/namespace"
# Filters and names that can produce markup that is not escaped, and nodes that render a body
# into a value (printed unescaped later) or switch escaping off.
_UNSAFE_FILTERS = frozenset({"safe", "urlize", "xmlattr", "tojson", "indent", "wordwrap"})
_UNSAFE_NAMES = frozenset({"lipsum", "caller", "self", "varargs", "kwargs"})
_UNSAFE_EXPRESSIONS = (nodes.MarkSafe, nodes.MarkSafeIfAutoescape, nodes.EvalContextModifier)


class _Unproven(Exception):
    """The proof does not hold for this template (it may still render well-formed XML)."""


def _legal_char(code: int) -> bool:
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def _check_references(text: str) -> None:
    """Every ``&`` in text or an attribute value starts a reference XML defines."""
    at = text.find("&")
    while at != -1:
        match = _REFERENCE.match(text, at)
        if match is None:
            raise _Unproven("bad reference")
        number = match.group(2) or match.group(3)
        if number is not None and not _legal_char(int(number, 10 if match.group(2) else 16)):
            raise _Unproven("illegal character reference")
        at = text.find("&", match.end())


def _check_chars(text: str) -> None:
    if any(not _legal_char(ord(ch)) for ch in text if ord(ch) < 0x20 or ord(ch) > 0xD7FF):
        raise _Unproven("illegal character")


@dataclass
class _Element:
    name: str
    prefixes: dict[str, str]  # declared on this element: prefix -> URI


@dataclass
class _Scanner:
    """The element stack across the template's text pieces, and where bodies may end."""

    stack: list[_Element] = field(default_factory=list)
    floor: int = 0  # a body may not close elements opened before it
    roots: int = 0

    def uri(self, prefix: str) -> str:
        if prefix == "xml":
            return _XML_URI
        for element in reversed(self.stack):
            if prefix in element.prefixes:
                return element.prefixes[prefix]
        raise _Unproven(f"undeclared prefix {prefix}")

    def text(self, data: str) -> None:
        """Scan a piece of the template's own text (it starts and ends between elements)."""
        _check_chars(data)
        at = 0
        while True:
            lt = data.find("<", at)
            chunk = data[at:] if lt == -1 else data[at:lt]
            if chunk:
                if not self.stack and chunk.strip(" \t\r\n"):
                    raise _Unproven("text outside the root element")
                if "]]>" in chunk:
                    raise _Unproven("]]> in text")
                _check_references(chunk)
            if lt == -1:
                return
            at = self._markup(data, lt)

    def _markup(self, data: str, at: int) -> int:
        if data.startswith("<!--", at):
            end = data.find("-->", at + 4)
            if end == -1 or "--" in data[at + 4:end]:
                raise _Unproven("comment")
            return end + 3
        if data.startswith("<?", at):
            end = data.find("?>", at + 2)
            target = re.match(_NAME, data[at + 2:])
            if end == -1 or target is None or target.group(0).lower() == "xml" or ":" in target.group(0):
                raise _Unproven("processing instruction")
            return end + 2
        if data.startswith("<![CDATA[", at):
            end = data.find("]]>", at)
            if end == -1 or not self.stack:
                raise _Unproven("CDATA")
            return end + 3
        if data.startswith("</", at):
            match = _END.match(data, at)
            if match is None or len(self.stack) <= self.floor:
                raise _Unproven("end tag")
            if self.stack.pop().name != match.group(1):
                raise _Unproven("mismatched end tag")
            return match.end()
        match = _START.match(data, at)
        if match is None:
            raise _Unproven("start tag")
        self._start(match.group(1), match.group(2), bool(match.group(3)))
        return match.end()

    def _start(self, name: str, attributes: str, empty: bool) -> None:
        if not self.stack:
            if self.roots or self.floor:
                raise _Unproven("more than one root element")
            self.roots += 1
        pairs = [(m.group(1), m.group(2) if m.group(2) is not None else m.group(3))
                 for m in _ATTRIBUTE.finditer(attributes)]
        declared: dict[str, str] = {}
        for key, value in pairs:
            _check_references(value)
            if key.startswith("xmlns:"):
                prefix = key[6:]
                if not value or prefix in ("xml", "xmlns") or prefix in declared:
                    raise _Unproven("namespace declaration")
                declared[prefix] = value
        self.stack.append(_Element(name, declared))
        seen: set[tuple[str, str]] = set()
        for key, _value in pairs:
            if key == "xmlns" or key.startswith("xmlns:"):
                seen_key = ("xmlns", key)
            elif ":" in key:
                prefix, local = key.split(":", 1)
                seen_key = (self.uri(prefix), local)
            else:
                seen_key = ("", key)
            if seen_key in seen:
                raise _Unproven("attribute given twice")
            seen.add(seen_key)
        if ":" in name:
            prefix = name.split(":", 1)[0]
            if prefix == "xmlns":
                raise _Unproven("xmlns prefix")
            self.uri(prefix)
        if empty:
            self.stack.pop()

    def value(self) -> None:
        """A printed value: escaped text, or its line breaks as balanced runs, inside ``<w:t>``."""
        if not self.stack or self.stack[-1].name != _TEXT_WORD:
            raise _Unproven("a value printed outside <w:t>")

    def balanced(self, body: list[nodes.Node], walk: _Walk) -> None:
        """Walk a body that may run any number of times: it must leave the stack as it found it."""
        if not self.stack:
            raise _Unproven("a block outside the root element")
        depth, floor = len(self.stack), self.floor
        self.floor = depth
        walk(body)
        if len(self.stack) != depth:
            raise _Unproven("unbalanced block")
        self.floor = floor


class _Walk:
    """Walks statements, feeding the scanner."""

    def __init__(self, scanner: _Scanner) -> None:
        self.scanner = scanner

    def __call__(self, body: list[nodes.Node]) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node: nodes.Node) -> None:
        scanner = self.scanner
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    scanner.text(child.data)
                else:
                    _expression(child)
                    scanner.value()
        elif isinstance(node, nodes.If):
            _expression(node.test)
            scanner.balanced(node.body, self)
            for branch in node.elif_:
                _expression(branch.test)
                scanner.balanced(branch.body, self)
            scanner.balanced(node.else_, self)
        elif isinstance(node, nodes.For):
            if node.recursive:
                raise _Unproven("recursive loop")
            for part in (node.target, node.iter, node.test):
                if part is not None:
                    _expression(part)
            scanner.balanced(node.body, self)
            scanner.balanced(node.else_, self)
        elif isinstance(node, nodes.Assign):
            _expression(node.target)
            _expression(node.node)
        elif isinstance(node, nodes.With):
            for part in (*node.targets, *node.values):
                _expression(part)
            self(node.body)  # runs once, in place
        elif isinstance(node, nodes.ExprStmt):
            _expression(node.node)
        else:  # macros, call and filter blocks, {% set %} blocks, includes, autoescape …
            raise _Unproven(type(node).__name__)


def _expression(node: nodes.Node) -> None:
    for inner in (node, *node.find_all(nodes.Node)):
        if isinstance(inner, _UNSAFE_EXPRESSIONS):
            raise _Unproven(type(inner).__name__)
        if isinstance(inner, nodes.Filter) and inner.name in _UNSAFE_FILTERS:
            raise _Unproven(f"filter {inner.name}")
        if isinstance(inner, nodes.Name) and inner.name in _UNSAFE_NAMES:
            raise _Unproven(f"name {inner.name}")
        if isinstance(inner, nodes.Getattr) and inner.attr in ("__html__", "__html_format__"):
            raise _Unproven("markup method")
        if isinstance(inner, nodes.Const) and hasattr(inner.value, "__html__"):
            raise _Unproven("markup constant")


def always_well_formed(template: nodes.Template) -> bool:
    """Whether every rendering of this part's compiled template is well-formed XML (see module)."""
    scanner = _Scanner()
    try:
        _Walk(scanner)(template.body)
    except _Unproven:
        return False
    return not scanner.stack and scanner.roots == 1
