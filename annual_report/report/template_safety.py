"""What a template may not reach, found before anything is rendered, and said in Chinese.

The sandbox (:mod:`.jinja_env`) refuses a reach for Python's internals when it happens; this
module finds it in the compiled template beforehand, in every branch, so ``check-template`` and
``build`` refuse such a template once, naming what it tried to reach, instead of failing (or
not) report by report. It works on any Jinja AST, so mail templates can use it too.
"""

from __future__ import annotations

import re

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
)

# Besides every name starting with "_": what the sandbox refuses on some type, and frame/code
# attributes that lead to globals.
UNSAFE_NAMES = frozenset({
    "mro", *UNSAFE_GENERATOR_ATTRIBUTES, *UNSAFE_COROUTINE_ATTRIBUTES,
    *UNSAFE_ASYNC_GENERATOR_ATTRIBUTES, "gi_yieldfrom", "cr_await", "f_globals", "f_locals",
    "f_builtins", "f_back", "f_code", "tb_frame", "func_globals", "func_code",
})
_CHAIN = (nodes.Getattr, nodes.Getitem, nodes.Call, nodes.Filter, nodes.Test)


def unsafe_name(name: str) -> bool:
    """Whether an attribute name (or any part of a dotted one, as ``map(attribute=…)`` takes)
    is one a template may not use."""
    return any(part.startswith("_") or part in UNSAFE_NAMES for part in name.split("."))


def _unsafe_const(node: nodes.Node | None) -> bool:
    return isinstance(node, nodes.Const) and isinstance(node.value, str) and unsafe_name(node.value)


def _unsafe_step(node: nodes.Node) -> bool:
    """Whether this one step of an expression reaches for something unsafe."""
    if isinstance(node, nodes.Getattr):
        return unsafe_name(node.attr)
    if isinstance(node, nodes.Getitem):
        return _unsafe_const(node.arg)
    if isinstance(node, nodes.Filter | nodes.Test):  # attr('__class__'), map(attribute='__x')
        first = node.args[0] if node.args and node.name == "attr" else None
        return _unsafe_const(first) or any(
            kw.key == "attribute" and _unsafe_const(kw.value) for kw in node.kwargs)
    return False


def _format(node: nodes.Node | None) -> str:
    """An expression as a template author would have written it."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Getattr):
        return f"{_format(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_format(node.node)}[{_format(node.arg)}]"
    if isinstance(node, nodes.Call | nodes.Filter | nodes.Test):
        args = [_format(a) for a in node.args] + [f"{k.key}={_format(k.value)}" for k in node.kwargs]
        shown = f"({', '.join(args)})" if args or isinstance(node, nodes.Call) else ""
        if isinstance(node, nodes.Call):
            return f"{_format(node.node)}{shown}"
        joint = "|" if isinstance(node, nodes.Filter) else " is "
        return f"{_format(node.node)}{joint}{node.name}{shown}"
    return "…"


def unsafe_reaches(ast: nodes.Template) -> list[tuple[str, str]]:
    """(the whole expression, the part of it that reaches too far) for each such expression."""
    inner = {id(getattr(node, "node", None)) for node in ast.find_all(_CHAIN)}
    found = []
    for node in ast.find_all(_CHAIN):
        if id(node) in inner:
            continue  # part of a longer expression, looked at from there
        chain: list[nodes.Node] = []
        step: nodes.Node | None = node
        while isinstance(step, _CHAIN):
            chain.append(step)
            step = getattr(step, "node", None)
        unsafe = [link for link in chain if _unsafe_step(link)]
        if unsafe:
            found.append((_format(node), _format(unsafe[-1])))  # the innermost: reached first
    return found


_ATTRIBUTE = re.compile(r"access to attribute '([^']*)' of '([^']*)' object is unsafe")


def security_words(error: SecurityError) -> str:
    """What the sandbox refused, in Chinese."""
    text = str(error)
    if match := _ATTRIBUTE.search(text):
        return f"访问 {match.group(2)} 对象的 {match.group(1)}"
    if "not safely callable" in text:
        return f"调用不安全的函数（{text}）"
    return text


ADVICE = ("模板只能读取报告数据，不能访问 Python 的内部对象或修改数据（这类写法可以用来在本机执行命令）。"
          "出于安全考虑，这个模板不予使用。请删除该标签（可用的变量见 docs/template.md）。")
