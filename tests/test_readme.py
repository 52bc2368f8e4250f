"""The README keeps in step with the code: the component table with the catalogue, the settings table with Settings."""

from __future__ import annotations

from pathlib import Path

import msgspec

from taskengine.docs import TABLE_END, TABLE_START, catalogue_table
from taskengine.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_component_table_matches_the_catalogue() -> None:
    text = README.read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    assert text[start:end] == catalogue_table(), "run `make docs` and paste the table into README.md"


def test_readme_documents_every_setting_and_the_rate_limits() -> None:
    text = README.read_text()
    table = text[text.index("## Configuration") : text.index("## API at a glance")]
    for field in msgspec.structs.fields(Settings):
        assert f"| `TASKENGINE_{field.name.upper()}` |" in table, f"README's configuration table lacks {field.name}"
    assert "| 42900 | 429 |" in text and "Retry-After" in text
    for setting in ("TASKENGINE_ALLOW_PRIVATE_MEDIA_URLS", "TASKENGINE_RATE_LIMIT_STORAGE_URL"):
        assert text.count(setting) >= 2, f"{setting} is in the table but explained nowhere"
