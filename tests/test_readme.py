"""The README's component table is generated from the catalogue; this keeps the two in step."""

from __future__ import annotations

from pathlib import Path

from taskengine.docs import TABLE_END, TABLE_START, catalogue_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_component_table_matches_the_catalogue() -> None:
    text = README.read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    assert text[start:end] == catalogue_table(), "run `make docs` and paste the table into README.md"
