"""Command-line values made into Python values without importing pydantic when they are plain.

typer (0.29) turns every value given on the command line into its annotated type with a
pydantic ``TypeAdapter``, built for each parameter the first time a command runs, even for an
option left out: importing pydantic and building the adapters is about 0.1 s of every command.
The values this command line takes are nearly always plain (a path, a text, a list of them, a
whole number within its range): those are made here the way typer's adapters make them, by
typer's own path checks. Anything else, and any value that is not accepted at once (an error to
report), goes through typer's own adapter, so results and error messages are exactly typer's.
Imported only when typer's private layout is the one this was written for (see :func:`install`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import typer.core as typer_core
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_path

_NOT_PLAIN = object()  # a value the quick way does not take: typer's adapter decides


def _plain_path(value: Any, descriptor: TypeDescriptor, param: Any, ctx: Any) -> Any:
    info = descriptor.parameter_info
    if type(value) is not str or info.path_type is not None:
        return _NOT_PLAIN
    # typer's adapter makes the text a Path the same way; a value that typer's checks refuse
    # raises here, and the caller then lets typer's adapter word the error (quoting the text).
    return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)


def _plain_int(value: Any, descriptor: TypeDescriptor) -> Any:
    info = descriptor.parameter_info
    if info.clamp:
        return _NOT_PLAIN
    if type(value) is int:  # a default (``--jobs`` left out is 0): an int already, not a bool
        number = value
    elif type(value) is str and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return _NOT_PLAIN
    if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
        return _NOT_PLAIN  # out of range: typer's adapter words the error
    return number


def _plain_leaf(annotation: Any, value: Any, descriptor: TypeDescriptor, param: Any,
                ctx: Any) -> Any:
    if annotation is str:
        return value if type(value) is str else _NOT_PLAIN
    if annotation is Path:
        return _plain_path(value, descriptor, param, ctx)
    if annotation is int:
        return _plain_int(value, descriptor)
    return _NOT_PLAIN


def plain_value(descriptor: TypeDescriptor, value: Any, param: Any, ctx: Any) -> Any:
    """``value`` as typer's adapter would make it, or ``_NOT_PLAIN``."""
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return _NOT_PLAIN
    annotation: Any = descriptor.annotation
    if get_origin(annotation) is list:
        if not isinstance(value, (list, tuple)) or len(get_args(annotation)) != 1:
            return _NOT_PLAIN
        (item_type,) = get_args(annotation)
        items = [_plain_leaf(item_type, item, descriptor, param, ctx) for item in value]
        return _NOT_PLAIN if any(item is _NOT_PLAIN for item in items) else items
    return _plain_leaf(annotation, value, descriptor, param, ctx)


@dataclass(frozen=True)
class QuickRuntimeParam(RuntimeParam):
    """typer's runtime parameter whose adapter is built only for a value that is not plain."""

    descriptor: TypeDescriptor
    build: Callable[[TypeDescriptor], RuntimeParam]

    @functools.cached_property
    def typer_param(self) -> RuntimeParam:
        return self.build(self.descriptor)

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            plain = plain_value(self.descriptor, value, param, ctx)
        except Exception:  # an error to report: typer's own words for it
            plain = _NOT_PLAIN
        if plain is not _NOT_PLAIN:
            return plain
        return self.typer_param._coerce_value(value, param=param, ctx=ctx)


def install() -> None:
    """Let typer build its parameters' pydantic adapters only when a value needs one."""
    build = getattr(typer_core, "build_runtime_param", None)
    if build is not build_runtime_param:  # another typer layout, or already installed
        return

    def quick(descriptor: TypeDescriptor) -> RuntimeParam:
        return QuickRuntimeParam(parameter_info=descriptor.parameter_info,
                                 annotation=descriptor.annotation, descriptor=descriptor,
                                 build=build_runtime_param)

    setattr(typer_core, "build_runtime_param", quick)  # noqa: B010 - a private name of typer
