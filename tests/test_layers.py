"""The package layers import only downwards: no import cycles between subpackages.

Every ``import`` statement in ``src/atomforge`` (module level and inside functions) is read with
``ast``. A module may import from its own layer or a lower one, never from a higher one; models
know nothing of file formats (``lammps``) or solvers (``fitting``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "atomforge"

#: Layer of each top-level module or subpackage of atomforge, lowest first.
LAYERS = [
    {"errors", "units", "fileio", "paths", "hyperparameters", "gradient_products"},
    {"data", "neighbors"},
    {"descriptors", "chain_rule", "pairs"},
    {"potential", "calculator", "models", "parallel"},
    {"lammps"},
    {"fitting", "properties"},
    {"grs"},
    {"examples", "quickstart"},
    {"cli", "__init__"},  # the package's own __init__ is the public facade
]
LEVEL = {name: k for k, layer in enumerate(LAYERS) for name in layer}


def _top(module: Path) -> str:
    return module.relative_to(SRC).parts[0].removesuffix(".py")


def _imported(module: Path) -> set[str]:
    """Top-level atomforge names that ``module`` imports."""
    package = module.relative_to(SRC).parent.parts
    out = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                parts = list(base) + (node.module.split(".") if node.module else [])
                names = [parts[0]] if parts else [a.name for a in node.names]
            elif node.module and node.module.split(".")[0] == "atomforge":
                names = node.module.split(".")[1:2] or [a.name for a in node.names]
            else:
                continue
            out.update(names)
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names
                       if a.name.startswith("atomforge.") and a.name.count(".") >= 1)
    return out


MODULES = sorted(p for p in SRC.rglob("*.py"))


def test_every_module_has_a_layer():
    assert {_top(p) for p in MODULES} <= set(LEVEL)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_go_down_the_layers(module):
    own = _top(module)
    upward = sorted(name for name in _imported(module)
                    if name in LEVEL and name != own and LEVEL[name] > LEVEL[own])
    assert not upward, f"{module.relative_to(SRC)} ({own}, layer {LEVEL[own]}) imports higher layers {upward}"
