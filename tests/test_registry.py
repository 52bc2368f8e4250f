"""The registry: discovery from the catalogue, unique names, and the engine's independence from I/O."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from taskengine.engine import CatalogueError, Registry, discover
from tests.factories import all_definitions

REPO = Path(__file__).resolve().parents[1]


def test_catalogue_has_every_component_type_of_the_spec() -> None:
    names = {d.name for d in all_definitions()}
    swarms = {
        "AudioRecording", "BinaryChoice", "BinaryImageChoice", "ImageMarker", "Rating", "Stepper", "TextInput",
        "Toggle", "VideoRecording", "Audio", "Image", "Text", "Video",
    }  # fmt: skip
    shared_workforce = {"MultipleChoice", "Tagging", "TextEdit", "ImageCrop", "ImageRotation"}
    assert swarms | shared_workforce <= names
    assert len(names) >= 18


def test_every_catalogue_folder_is_a_registered_component() -> None:
    folders = {p.name for p in (REPO / "components").iterdir() if (p / "__init__.py").exists()}
    assert len(folders) == len(all_definitions())


def test_duplicate_names_are_refused() -> None:
    first = all_definitions()[0]
    with pytest.raises(CatalogueError, match=f"two components are named '{first.name}'"):
        Registry([first, first])


def test_a_folder_without_a_definition_stops_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fakecatalogue"
    (package / "broken").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "broken" / "__init__.py").write_text("NOTHING = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CatalogueError, match="defines no COMPONENT"):
        discover("fakecatalogue")


def test_a_duplicate_folder_stops_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "dupcatalogue"
    for folder in ("one", "two"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("from taskengine.components.rating import COMPONENT\n")
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CatalogueError, match="two components are named 'Rating'"):
        discover("dupcatalogue")


def test_engine_and_catalogue_import_nothing_that_does_io() -> None:
    code = textwrap.dedent(
        """
        import sys
        from taskengine.engine import default_engine
        default_engine()
        banned = ("litestar", "sqlalchemy", "sqlmodel", "boto3", "botocore", "uvicorn", "httpx",
                  "taskengine.api", "taskengine.settings", "taskengine.cli")
        print(sorted(m for m in sys.modules if m.split(".")[0] in banned or m.startswith(banned)))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
