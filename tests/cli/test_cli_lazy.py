"""cli/lazy.py on real modules written to disk, and cli/coercion.py against typer's own adapters:
the quick way gives exactly typer's value, or typer's own error, for any value."""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from annual_report.cli.coercion import QuickRuntimeParam
from annual_report.cli.lazy import when_imported
from conftest import ROOT
from generate import app

_names = itertools.count()

HEAVY = """
LOADS.append("heavy")
class Thing:
    def __init__(self, value):
        self.value = value
    @classmethod
    def made(cls, value):
        return cls(value * 2)
class Other:
    pass
"""


@pytest.fixture()
def package(tmp_path: Path) -> Iterator[str]:
    """A fresh package on sys.path with a module ``heavy`` that records that it ran."""
    name = f"lazy_probe_{next(_names)}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("LOADS = []\n", encoding="utf-8")
    (tmp_path / name / "heavy.py").write_text(f"from {name} import LOADS\n{HEAVY}", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    finders = list(sys.meta_path)
    try:
        yield name
    finally:
        sys.path.remove(str(tmp_path))
        sys.meta_path[:] = finders
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def user(package: str, body: str) -> None:
    """The module ``user`` of the package: it imports from ``heavy`` as ``body`` says."""
    folder = Path(sys.path[0]) / package  # the fixture put the package's folder first
    (folder / "user.py").write_text(textwrap.dedent(body).format(package=package), encoding="utf-8")


def import_user(package: str) -> tuple[ModuleType, list[ModuleType]]:
    seen: list[ModuleType] = []
    when_imported(f"{package}.user", seen.append, {f"{package}.heavy": ("Thing",)})
    __import__(f"{package}.user")
    return sys.modules[f"{package}.user"], seen


def loads(package: str) -> list[str]:
    result: list[str] = sys.modules[package].LOADS
    return result


def test_a_held_back_module_runs_only_when_its_class_is_used(package: str) -> None:
    user(package, """
        from {package}.heavy import Thing
        def make(value: int) -> Thing | int:  # an annotation evaluated at import
            return Thing(value)
        def made(value: int) -> Thing:
            return Thing.made(value)
    """)
    module, seen = import_user(package)
    assert seen == [module]  # the hook ran once, on the module
    assert loads(package) == [] and f"{package}.heavy" not in sys.modules
    assert module.__loader__ is module.__spec__.loader and type(module.__loader__).__name__ != "_Loader"
    thing = module.make(3)
    assert loads(package) == ["heavy"]
    heavy = sys.modules[f"{package}.heavy"]
    assert type(thing) is heavy.Thing and thing.value == 3
    assert isinstance(thing, module.Thing) and issubclass(heavy.Thing, module.Thing)
    assert module.made(2).value == 4  # a class method, through the stand-in
    assert loads(package) == ["heavy"]  # imported once, as a module of its own
    assert heavy.__name__ == f"{package}.heavy" and not hasattr(heavy, "made")


def test_another_use_of_the_module_falls_back_to_the_plain_import(package: str) -> None:
    user(package, """
        import {package}.heavy as heavy_module
        from {package}.heavy import Thing
    """)
    module, seen = import_user(package)
    assert seen == [module] and loads(package) == ["heavy"]
    assert module.Thing is sys.modules[f"{package}.heavy"].Thing  # the real class, not a stand-in
    assert module.heavy_module is sys.modules[f"{package}.heavy"]


def test_a_name_not_declared_falls_back_to_the_plain_import(package: str) -> None:
    user(package, """
        from {package}.heavy import Other, Thing
    """)
    module, seen = import_user(package)
    assert seen == [module] and loads(package) == ["heavy"]
    assert module.Thing is sys.modules[f"{package}.heavy"].Thing


def test_a_subclass_of_a_stand_in_falls_back_to_the_plain_import(package: str) -> None:
    user(package, """
        from {package}.heavy import Thing
        class Mine(Thing):
            pass
    """)
    module, _ = import_user(package)
    assert loads(package) == ["heavy"] and module.Mine(1).value == 1
    assert module.Mine.__mro__[1] is sys.modules[f"{package}.heavy"].Thing


def test_an_already_imported_module_gets_the_hook_at_once(package: str) -> None:
    user(package, "X = 1\n")
    __import__(f"{package}.user")
    seen: list[ModuleType] = []
    when_imported(f"{package}.user", seen.append)
    assert seen == [sys.modules[f"{package}.user"]]


# --- coercion: the parameters this command line has, each made both ways -----------------------

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]
PARAMETERS = {f"{name}:{p.name}": p for name, command in sorted(COMMANDS.items())
              for p in command.params if hasattr(p, "type_descriptor")}
KINDS: dict[str, Any] = {}
for key, parameter in PARAMETERS.items():  # one of each kind of parameter
    info = parameter.type_descriptor.parameter_info
    KINDS.setdefault(repr((parameter.type_descriptor.annotation, parameter.multiple,
                           parameter.nargs, info.exists, info.file_okay, info.dir_okay,
                           info.min, info.max)), key)
GIVEN = ["input/master.xlsx", "input", "input/", "templates/annual_report.docx", "README.md",
         "./input", "input//master.xlsx", ".", "", "-", "没有.docx", "a\x00b", "0", "7", "007", "-1",
         "1999", "2000", "2024", "2100", "2101", " 5", "5_0", "1e3", "٣", "+3", "x", " "]
DEFAULTS = [0, 1, 7, -1, 2000, 2101, True, False, 0.5, Path("input")]  # as typer passes defaults
WORDS = st.one_of(st.sampled_from(GIVEN), st.text(alphabet="0123456789 ./-_x\x00年报", max_size=12))


def outcome(make: Any, value: Any, parameter: Any, ctx: Context) -> tuple[str, Any]:
    try:
        made = make.coerce(value, param=parameter, ctx=ctx)
    except BadParameter as error:
        return "error", error.format_message()
    return type(made).__name__, made


@pytest.fixture(scope="module")
def in_project() -> Iterator[None]:
    """Relative paths (input/master.xlsx, …) as a user in the project folder gives them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield


def same_both_ways(kind: str, value: Any) -> None:
    parameter = PARAMETERS[kind]
    descriptor = parameter.type_descriptor
    ctx = Context(COMMANDS[kind.split(":")[0]])
    quick = QuickRuntimeParam(parameter_info=descriptor.parameter_info,
                              annotation=descriptor.annotation, descriptor=descriptor,
                              build=build_runtime_param)
    assert outcome(quick, value, parameter, ctx) == outcome(
        build_runtime_param(descriptor), value, parameter, ctx)


@pytest.mark.usefixtures("in_project")
@pytest.mark.parametrize("kind", sorted(KINDS.values()))
def test_quick_values_are_typers_own(kind: str) -> None:
    for value in [None, *GIVEN, *DEFAULTS, tuple(GIVEN[:3]), tuple(GIVEN[-4:]), ()]:
        same_both_ways(kind, value)


@pytest.mark.usefixtures("in_project")
@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS.values())),
       value=st.one_of(st.none(), WORDS, st.integers(), st.booleans(),
                       st.lists(WORDS, max_size=3).map(tuple)))
def test_quick_values_are_typers_own_for_any_text(kind: str, value: Any) -> None:
    same_both_ways(kind, value)


def test_every_kind_of_parameter_is_compared() -> None:
    annotations = {str(PARAMETERS[key].type_descriptor.annotation) for key in KINDS.values()}
    assert {"<class 'pathlib.Path'>", "<class 'str'>", "<class 'int'>", "<class 'float'>",
            "list[str]", "list[pathlib.Path]"} <= annotations
