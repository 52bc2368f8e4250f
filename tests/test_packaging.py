"""The catalogue installs with the package: the editable install finds it, and so does a built wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import taskengine.components

REPO = Path(__file__).resolve().parents[1]
FOLDERS = sorted(p.name for p in (REPO / "components").iterdir() if (p / "__init__.py").exists())


def test_editable_install_maps_the_catalogue_to_the_components_folder() -> None:
    assert Path(next(iter(taskengine.components.__path__))).resolve() == (REPO / "components").resolve()


def test_wheel_carries_every_component_and_its_registry_finds_them(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", tmp_path, REPO],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("taskengine-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in FOLDERS:
        assert f"taskengine/components/{folder}/__init__.py" in names
    assert not any(n.startswith("components/") for n in names), "the catalogue must not install as a top-level package"

    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, wheel],
        check=True,
        capture_output=True,
    )
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); import taskengine.components as c;"
        f"from taskengine.engine import default_engine;"
        f"assert c.__path__[0].startswith({str(site)!r}), c.__path__;"
        f"print(len(default_engine().registry))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert int(out.stdout) == len(FOLDERS)
