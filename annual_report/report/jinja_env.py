"""The Jinja environment that every DOCX template is rendered in: a sandbox, escaping, ``finalize``.

A template is code written by whoever sends one: it runs in Jinja's immutable sandbox, so it can
read the data but not reach Python's internals (``cycler.__init__.__globals__.os`` …), call
unsafe functions or change the data (``list.append``, ``dict.update``); such a reach raises
:class:`jinja2.sandbox.SecurityError`. Every printed value is XML-escaped (autoescape), a missing
variable raises (StrictUndefined), and ``finalize`` removes XML-illegal characters and turns line
breaks and tabs into WordprocessingML.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import markupsafe
from jinja2 import Environment, StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..workbook.values import XML_ILLEGAL


def _escape_public(text: str, /) -> str:
    return str(escape(text))


# markupsafe's own escaping of a str (C), without making a Markup of it; where a markupsafe has
# no such function, the public one (slower, the same text)
_escape_inner: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _escape_public)


_NEEDS_WORK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\t\n\r]")
_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'
_PLAIN_TYPES = (int, float, Decimal, bool)




def _listing(xml_text: str) -> Markup:
    """Escaped text with line breaks and tabs as WordprocessingML run content."""
    text = XML_ILLEGAL.sub("", xml_text).replace("\r\n", "\n").replace("\r", "\n")
    return Markup(text.replace("\n", _BREAK).replace("\t", _TAB))


class WholeGroupPrinted(Exception):
    """A ``{{ }}`` printed a whole group of values (``apps.new``) instead of one of them."""


_printed = threading.local()


def markup_printed() -> int:
    """How many values that are already XML (``__html__``) this thread has printed: a rendering
    during which it grew printed XML that no compile-time proof could see (see :mod:`.xml_proof`)."""
    return getattr(_printed, "markup", 0)


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
    if isinstance(value, dict):
        raise WholeGroupPrinted
    markup = getattr(value, "__html__", None)
    if markup is not None:  # docxtpl RichText/Listing or Markup: already XML
        _printed.markup = getattr(_printed, "markup", 0) + 1  # this rendering needs the parse
        text = markup()
        return value if _NEEDS_WORK.search(text) is None else _listing(text)
    text = str(value)
    return text if _NEEDS_WORK.search(text) is None else _listing(str(escape(text)))


def printed(value: Any) -> str:
    """``escape(finalize(value))`` in one call: what every ``{{ }}`` of an autoescaped template
    prints (see :class:`_CodeGenerator`). Same text as the two calls; a plain ``str``, not a
    ``Markup``, which only the output's final join sees."""
    kind = type(value)
    if kind is str:
        if _NEEDS_WORK.search(value) is None:
            return _escape_inner(value)
    elif kind is int:
        return str(value)  # digits and a sign: nothing to escape
    return str(escape(finalize(value)))


_FINALIZE_CALL = "environment.finalize("


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, printing a value with one call (:func:`printed`) instead of
    ``escape(environment.finalize(…))``: two Python calls and a ``Markup`` per printed value were
    a third of a report's rendering. Only where autoescaping is fixed on; elsewhere as Jinja does."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._printed_here(frame, finalize):
            # an int (most of a report's values: the tables' figures) printed without a call:
            # its digits are what printed() gives it
            self.write("(str(t_printed) if type(t_printed := ")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._printed_here(frame, finalize):
            self.write(") is int else environment.printed(t_printed))")
        else:
            super()._output_child_post(node, frame, finalize)

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        inner = node.node
        if self.environment.is_async or not isinstance(inner, nodes.Getattr):
            super().visit_Getattr(node, frame)
            return
        # a.b.c: one call (a dict's key then its dict's key, the sandbox's getattr otherwise)
        self.write("environment.getattr2(")
        self.visit(inner.node, frame)
        self.write(f", {inner.attr!r}, {node.attr!r})")

    @staticmethod
    def _printed_here(frame: Frame, finalize: Any) -> bool:
        return (not frame.eval_ctx.volatile and bool(frame.eval_ctx.autoescape)
                and finalize.src == _FINALIZE_CALL)


class _Environment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, where ``a.b`` prefers a dict's key to its attribute (and is faster).

    A key is data, safe to give, and so is an attribute whose value is a plain string or number;
    everything else (a dict's methods included) goes through the sandbox's own ``getattr``,
    which refuses what :meth:`is_safe_attribute` refuses.
    """

    code_generator_class = _CodeGenerator
    printed = staticmethod(printed)

    def getattr2(self, obj: Any, first: str, second: str) -> Any:
        """``obj.first.second``: what two :meth:`getattr` calls give, in one where both are a
        dict's keys (``apps.new.total``)."""
        if type(obj) is dict:
            group = obj.get(first, _MISSING)
            if type(group) is dict:
                value = group.get(second, _MISSING)
                if value is not _MISSING:
                    return value
        return self.getattr(self.getattr(obj, first), second)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        elif attribute[:1] != "_":  # a plain value (``para.level``, ``loop.index``) is data
            value = getattr(obj, attribute, _MISSING)
            if type(value) in _DATA_TYPES:
                return value
        return super().getattr(obj, attribute)


_MISSING = object()
# Values that carry no code: giving them out without the sandbox's checks is safe (a method
# such as ``str.format`` is no such value and goes through the checks).
_DATA_TYPES = frozenset({str, int, float, Decimal, bool, type(None)})


def environment() -> Environment:
    return _Environment(
        autoescape=True,
        undefined=StrictUndefined,
        finalize=finalize,
        cache_size=0,
        auto_reload=False,
    )
