"""The apps form layers: an app imports only from the layers below it, never from above or beside it.

core < agreements < reconciliation < imports < budgets | results < finance < reports < pcc (the project). Lazy
imports inside functions count too; migrations are left out (they name other apps' states by string).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    ["core"],
    ["agreements"],
    ["reconciliation"],
    ["imports"],
    ["budgets", "results"],
    ["finance"],
    ["reports"],
    ["pcc"],
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}


def imports_of(app: str) -> list[tuple[str, str]]:
    """``(other app, "file:line")`` for every import of another project app in ``app``'s code."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in LEVEL and top != app:
                    found.append((top, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_app_of_the_project_has_its_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"pcc"}
    assert apps == set(LEVEL)


@pytest.mark.parametrize("app", list(LEVEL))
def test_an_app_imports_only_from_the_layers_below(app):
    upward = [(other, where) for other, where in imports_of(app) if LEVEL[other] >= LEVEL[app]]
    assert upward == []
