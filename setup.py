"""Installs the top-level components/ folder as the package taskengine.components.

The package list is computed so that a new component folder is picked up without editing any list.
"""

from setuptools import find_packages, setup

setup(
    package_dir={"": "src", "taskengine.components": "components"},
    packages=[
        *find_packages("src"),
        "taskengine.components",
        *("taskengine.components." + p for p in find_packages("components")),
    ],
)
