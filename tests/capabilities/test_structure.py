"""Structure rules of docs/architecture.md that a test can hold."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
            names.update(f"{'.' * node.level}{node.module or ''}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_models_never_import_permissions():
    imported = _imports(Path(settings.BASE_DIR) / "capabilities" / "models.py")
    assert not [name for name in imported if "permissions" in name]
