"""Every odd real-world workbook in tests/data/wild-xlsx is read or refused with one
sentence, never a traceback. They are not registers, so building a register refuses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.config.county import Config
from toolkit.errors import StructureError, UnreadableWorkbook
from toolkit.read import RawBook, build_register, raw, read_raw

# 69 odd real-world workbooks from the calamine reader's test suite (MIT, see its README)
CORPUS = Path(__file__).parent / "data" / "wild-xlsx"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"))


def _one_sentence(message: str, path: Path) -> None:
    assert path.name in message
    assert message.endswith("。") and message.count("。") == 1


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 60


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_read_or_refused_with_one_sentence(path: Path, config: Config) -> None:
    try:
        raw = read_raw(path)
    except UnreadableWorkbook as exc:
        _one_sentence(exc.message, path)
        return
    assert isinstance(raw, RawBook) and raw.sheets
    for sheet in raw.sheets:
        assert sheet.first_row >= 1 and sheet.first_col >= 0
    with pytest.raises((StructureError, UnreadableWorkbook)) as exc:
        build_register(raw, config, file_name=path.name)
    _one_sentence(exc.value.message, path)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_sheets_parsed_side_by_side_read_the_same(path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A lone file's sheets parsed on two threads (gridkit check of one file on two cores)
    give the same book, or the same refusal, as one thread."""
    monkeypatch.setattr(raw, "_THREADS_FROM", 0)  # small as they are
    def read(threads: int) -> RawBook | str:
        monkeypatch.setattr(raw, "_parse_threads", threads)
        try:
            return read_raw(path)
        except UnreadableWorkbook as exc:
            return exc.message
    assert read(2) == read(1)
