"""Which variables a compiled template reads, and whether a context has them.

:func:`analyse` walks a Jinja AST once and sorts every variable path (``a.b["c"]`` becomes
``("a", "b", "c")``) into those the template needs and those it only tests or defaults
(``x is defined``, ``x|default(…)``, or read inside ``{% if x is defined %}``). Names the template
assigns itself (loop and ``set`` targets, macros, imports) are left out. :func:`has_path` says
whether a context (or the environment's globals) holds such a path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import nodes

VarPath = tuple[str, ...]

_ALWAYS_LOCAL = frozenset({"loop", "caller", "varargs", "kwargs", "self", "super"})


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


def analyse(ast: nodes.Template) -> tuple[frozenset[VarPath], frozenset[VarPath]]:
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


def has_path(context: Mapping[str, Any], path: VarPath, builtins: Mapping[str, Any]) -> bool:
    """Whether ``context`` (or else ``builtins``, the globals) holds the value at ``path``."""
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
