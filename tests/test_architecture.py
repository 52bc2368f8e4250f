"""Layout rules checked by code: packages keep their private modules to themselves; shared types have one home."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TREES = {"src": None, "components": "taskengine.components", "tests": "tests", "bench": "bench"}


def _modules() -> Iterator[tuple[str, bool, Path]]:
    """(dotted module name, is a package's __init__, file) of every Python file in the trees."""
    for tree, prefix in TREES.items():
        for path in sorted((REPO / tree).rglob("*.py")):
            parts = list(path.relative_to(REPO / tree).with_suffix("").parts)
            is_init = parts[-1] == "__init__"
            if is_init:
                parts.pop()
            name = ".".join([*([prefix] if prefix else []), *parts])
            yield name, is_init, path


def _imported(node: ast.AST, package: str) -> Iterator[str]:
    """Every dotted name an import statement reaches, its imported names included."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, *([base] if base else [])])
        yield from (f"{base}.{alias.name}" for alias in node.names)


def _owner_of_private(dotted: str) -> str | None:
    """The package whose private part `dotted` reaches (`a.b` for `a.b._c.d`), or None if it is all public."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def test_no_module_imports_another_packages_private_module() -> None:
    offences = []
    for name, is_init, path in _modules():
        package = name if is_init else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for dotted in _imported(node, package):
                owner = _owner_of_private(dotted)
                if owner is None or not dotted.startswith("taskengine."):
                    continue
                if not (package == owner or package.startswith(owner + ".")):
                    offences.append(f"{path.relative_to(REPO)}: {dotted} (private to {owner})")
    assert not offences, "import these from the package's public face instead:\n" + "\n".join(offences)


def _assigned_names(path: Path) -> set[str]:
    """Names bound at module level in `path`."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_shared_field_types_are_defined_once() -> None:
    shared = {"Name", "LongText", "OptionalLongText", "OptionalText", "CustomProperties"}
    homes: dict[str, list[str]] = {n: [] for n in shared}
    for _, _, path in _modules():
        for defined in _assigned_names(path) & shared:
            homes[defined].append(str(path.relative_to(REPO)))
    assert homes == {n: ["src/taskengine/engine/_fields.py"] for n in shared}
