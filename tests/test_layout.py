"""The package's layout: stages import only downward, and no module grows past ~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "annual_report"

# A stage may import the shared modules and any stage of a lower rank; never one above it,
# nor a different stage of the same rank. The shared modules import only each other.
RANKS = {
    "errors": 0, "outputs": 0, "findings": 0, "bundled": 0, "fastzlib": 0, "heldfolder": 0,
    "zipwrite": 0, "clock": 0, "__init__": 0,
    "__main__": 9,
    "format": 1,
    "workbook": 2,
    "checks": 3,
    "report": 4, "forms": 4, "rollup": 4, "importer": 4,
    "mail": 5,
    "status": 6,
    "cli": 8,
}
MAX_LINES = 420


def stage_of(parts: tuple[str, ...]) -> str:
    return parts[0].removesuffix(".py")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported_stages(path: Path) -> set[str]:
    """The top-level parts of annual_report that one module imports."""
    rel = path.relative_to(PACKAGE).with_suffix("").parts
    here = list(rel[:-1])  # the module's package inside annual_report
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                target = [*base, *(node.module.split(".") if node.module else [])]
                if not target:  # "from . import x" at the top: x is the stage
                    target = [alias.name for alias in node.names]
                    found.update(target)
                    continue
                found.add(target[0])
            elif node.module and node.module.split(".")[0] == "annual_report":
                parts = node.module.split(".")[1:] or [a.name for a in node.names]
                found.add(parts[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "annual_report" and len(parts) > 1:
                    found.add(parts[1])
    return found


def test_every_stage_has_a_rank_and_a_docstring() -> None:
    for path in modules():
        stage = stage_of(path.relative_to(PACKAGE).parts)
        assert stage in RANKS, f"{path}: new stage {stage!r} needs a rank in tests/test_layout.py"
    for sub in PACKAGE.iterdir():
        if sub.is_dir() and (sub / "__init__.py").exists():
            doc = ast.get_docstring(ast.parse((sub / "__init__.py").read_text(encoding="utf-8")))
            assert doc and "May import" in doc, f"{sub.name}/__init__.py must say what it owns and may import"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_downward(path: Path) -> None:
    stage = stage_of(path.relative_to(PACKAGE).parts)
    for target in imported_stages(path):
        if target == stage or RANKS.get(target) == RANKS[stage] == 0:
            continue
        assert target in RANKS, f"{path.name} imports unknown part {target!r}"
        assert RANKS[target] < RANKS[stage], (
            f"{path.relative_to(PACKAGE)} ({stage}) imports {target}: imports must run downward"
        )


@pytest.mark.parametrize("path", [*modules(), *(PACKAGE.parent / "tools").rglob("*.py"),
                                  PACKAGE.parent / "generate.py"],
                         ids=lambda p: p.name)
def test_no_module_is_too_long(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: split it by what it does"


def test_architecture_page_names_every_stage_and_module() -> None:
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for path in modules():
        rel = path.relative_to(PACKAGE)
        if path.name == "__init__.py":
            if len(rel.parts) > 1 and f"{rel.parts[0]}/" not in page:
                missing.append(f"{rel.parts[0]}/")
        elif path.name not in page:
            missing.append(str(rel))
    assert not missing, f"docs/architecture.md does not mention: {', '.join(missing)}"
