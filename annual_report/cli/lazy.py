"""Start-up without what a command does not use: run code when a module is first imported, and
import a module with some of its imports held back until they are used.

typer imports ``typer.rich_utils`` (its help and error printer) only when it prints help or an
error, but that module imports ``rich.markdown`` (markdown-it) and ``rich.traceback`` (pygments)
at its top, for ``rich_markup_mode="markdown"`` and pretty tracebacks, neither of which this
command line uses: about 60 ms of every ``--help``. :func:`when_imported` lets
:mod:`.chinese` translate rich_utils when typer imports it, with those two held back: while
rich_utils runs, ``rich.markdown`` and ``rich.traceback`` are stand-in modules whose classes
import the real ones on first use; afterwards the stand-ins are gone, so a later real import
gets the real module. If a typer release uses them in any other way (another name, the module
itself, a subclass), or its import fails with them, it is imported again the plain way.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

# The imports of typer.rich_utils that this command line never uses (see the docstring).
RICH_UTILS_HELD_BACK: Mapping[str, Sequence[str]] = {
    "rich.markdown": ("Markdown",), "rich.traceback": ("Traceback",),
}


class _StandIn(type):
    """The class of a stand-in class: calling it or reading from it imports the real class."""

    _real_module: str

    def real(cls) -> Any:
        return getattr(importlib.import_module(cls._real_module), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(cls.real(), name)

    def __instancecheck__(cls, instance: Any) -> bool:
        # No instance of the real class can exist before its module is imported.
        return cls._real_module in sys.modules and isinstance(instance, cls.real())

    def __subclasscheck__(cls, subclass: type) -> bool:
        return cls._real_module in sys.modules and issubclass(subclass, cls.real())


def stand_in(module: str, name: str) -> type:
    """A class that stands for ``module.name`` and imports it on first use."""
    return _StandIn(name, (), {"_real_module": module, "__module__": module})


def _stand_in_modules(held_back: Mapping[str, Sequence[str]]) -> dict[str, ModuleType]:
    """Stand-in modules for those of ``held_back`` not imported yet, put into sys.modules."""
    installed: dict[str, ModuleType] = {}
    for module_name, names in held_back.items():
        if module_name in sys.modules:
            continue
        module = ModuleType(module_name, "stand-in: the real module is imported on first use")
        for name in names:
            setattr(module, name, stand_in(module_name, name))
        sys.modules[module_name] = installed[module_name] = module
    return installed


def _remove(installed: Mapping[str, ModuleType]) -> None:
    for module_name, module in installed.items():
        if sys.modules.get(module_name) is module:
            del sys.modules[module_name]


def _uses_only_as_declared(module: ModuleType, installed: Mapping[str, ModuleType],
                           held_back: Mapping[str, Sequence[str]]) -> bool:
    """True when the stand-ins appear in ``module`` only as the names it was declared to import."""
    stand_in_modules = {id(m) for m in installed.values()}
    expected = {(name, id(getattr(m, name))) for m in installed.values() for name in held_back[m.__name__]}
    for name, value in vars(module).items():
        if id(value) in stand_in_modules:
            return False
        if isinstance(value, _StandIn) and (name, id(value)) not in expected:
            return False  # under another name, or a class built on a stand-in
    return True


class _Loader:
    """Runs the real loader (with ``held_back`` standing in), then ``after`` on the module."""

    def __init__(self, loader: Any, held_back: Mapping[str, Sequence[str]],
                 after: Callable[[ModuleType], None]) -> None:
        self.loader, self.held_back, self.after = loader, held_back, after

    def create_module(self, spec: Any) -> ModuleType | None:
        create: Callable[[Any], ModuleType | None] | None = getattr(self.loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        # From here on the module looks as if it had been imported the plain way.
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        installed = _stand_in_modules(self.held_back)
        try:
            self.loader.exec_module(module)
            plain = not _uses_only_as_declared(module, installed, self.held_back)
        except Exception:  # e.g. another name imported from a held-back module: the plain way
            plain = bool(installed)
            if not plain:
                raise
        finally:
            _remove(installed)
        if plain:
            self.loader.exec_module(module)
        self.after(module)


class _AfterImport:
    """A ``sys.meta_path`` finder for one module, used once: it wraps that module's loader."""

    def __init__(self, name: str, held_back: Mapping[str, Sequence[str]],
                 after: Callable[[ModuleType], None]) -> None:
        self.name, self.held_back, self.after = name, held_back, after

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> Any:
        if fullname != self.name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, self.held_back, self.after)
                return spec
        return None


def when_imported(name: str, after: Callable[[ModuleType], None],
                  held_back: Mapping[str, Sequence[str]] | None = None) -> None:
    """Run ``after(module)`` once module ``name`` is imported (now, if it already is), importing it
    with the modules of ``held_back`` (name → the names it imports from them) standing in."""
    if name in sys.modules:
        after(sys.modules[name])
        return
    sys.meta_path.insert(0, _AfterImport(name, held_back or {}, after))
