"""The layers: each sub-package imports only what its docstring allows (lazy imports included)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "classifier"
BOTTOM = {"classifier", "classifier.config", "classifier.errors", "classifier.figures"}
ALLOWED = {
    "io": {"io"},
    "data": {"io", "data"},
    "model": {"io", "data", "model"},
    "evaluation": {"io", "data", "model", "evaluation"},
    "predict": {"io", "model", "predict"},
    "trends": {"io", "trends"},
}
SUBPACKAGES = [*ALLOWED, "serve"]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("classifier"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("classifier")}
    return found


@pytest.mark.parametrize("package", list(ALLOWED))
def test_a_sub_package_imports_only_the_layers_below_it(package):
    allowed = BOTTOM | {f"classifier.{p}" for p in ALLOWED[package]}
    for path in sorted((ROOT / package).glob("*.py")):
        for module in _imports(path):
            assert module in allowed or any(module.startswith(f"{a}.") for a in allowed - BOTTOM), (
                f"{package}/{path.name} imports {module}"
            )


def test_the_bottom_modules_import_no_sub_package():
    for name in ("config", "errors", "figures"):
        assert _imports(ROOT / f"{name}.py") <= BOTTOM, name


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_every_sub_package_says_what_it_owns_and_may_import(package):
    module = importlib.import_module(f"classifier.{package}")
    assert module.__doc__ and "import" in module.__doc__


def test_every_module_lists_its_public_names():
    for path in sorted(ROOT.rglob("*.py")):
        if path == ROOT / "__init__.py":
            continue
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        assert isinstance(module.__all__, list), name
        assert all(hasattr(module, n) for n in module.__all__), name


def test_no_module_is_named_like_a_top_level_standard_or_installed_one():
    flat = {p.stem for p in ROOT.glob("*.py")}
    assert not flat & {"io", "coverage", "data", "model", "trends", "predict", "evaluate", "distributed"}
