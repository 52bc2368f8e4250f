"""The registry of component types, filled from the `taskengine.components` catalogue."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from types import ModuleType

from taskengine.engine._definition import ComponentDefinition


class CatalogueError(Exception):
    """The catalogue is broken (a duplicate name, a folder without a definition): start-up must stop."""


class Registry:
    """A typed map from component name to definition; names are unique."""

    def __init__(self, definitions: Iterable[ComponentDefinition] = ()) -> None:
        self._by_name: dict[str, ComponentDefinition] = {}
        for definition in definitions:
            self.register(definition)

    def register(self, definition: ComponentDefinition) -> None:
        if definition.name in self._by_name:
            raise CatalogueError(f"two components are named {definition.name!r}; component names must be unique")
        self._by_name[definition.name] = definition

    def get(self, name: str) -> ComponentDefinition | None:
        return self._by_name.get(name)

    def __getitem__(self, name: str) -> ComponentDefinition:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[ComponentDefinition]:
        return iter(sorted(self._by_name.values(), key=lambda d: d.name))

    def __len__(self) -> int:
        return len(self._by_name)

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)


def discover(package: ModuleType | str = "taskengine.components") -> Registry:
    """Import every sub-package of the catalogue and register its `COMPONENT`."""
    pkg = importlib.import_module(package) if isinstance(package, str) else package
    registry = Registry()
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        definition = getattr(module, "COMPONENT", None)
        if not isinstance(definition, ComponentDefinition):
            raise CatalogueError(f"{module.__name__} defines no COMPONENT (a ComponentDefinition)")
        registry.register(definition)
    return registry
