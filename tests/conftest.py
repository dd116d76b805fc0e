from __future__ import annotations

from pathlib import Path

import pytest

from tests.factory import Book, clean_register, write_workbook
from toolkit.config.county import Config, load_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The built-in sample county with every folder inside tmp_path."""
    return load_config(cwd=tmp_path)


@pytest.fixture
def clean_book() -> Book:
    return clean_register()


@pytest.fixture
def clean_file(tmp_path: Path, clean_book: Book) -> Path:
    return write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
