"""gridkit.toml and schema.toml are read whatever Notepad saved them as (UTF-8 with or
without a BOM, "ANSI" = GBK, UTF-16; CRLF); a file in none of these is one sentence naming
it. The comments the clerk reads are Chinese and point at no developer file."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from toolkit.config.county import load_config
from toolkit.config.init import init_county
from toolkit.errors import ConfigError
from toolkit.files import decode_text

CJK = re.compile(r"[\u4e00-\u9fff]")
NOTEPAD = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: t.encode("utf-8-sig"),
    "ansi-gbk": lambda t: t.encode("gbk"),
    "utf-16-bom": lambda t: t.encode("utf-16"),  # Notepad's "UTF-16 LE" writes a BOM
    "utf-16-be-bom": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
}


def _resave(path: Path, how: str, crlf: bool) -> None:
    text = path.read_text(encoding="utf-8")
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(NOTEPAD[how](text))


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("how", sorted(NOTEPAD))
def test_notepad_encodings(tmp_path: Path, how: str, crlf: bool) -> None:
    init_county(tmp_path)
    reference = load_config(tmp_path / "gridkit.toml")
    # a township renamed in Chinese, so a wrong decoding would show
    cfg = tmp_path / "gridkit.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("三桃乡", "三桃乡(试)"),
                   encoding="utf-8")
    for name in ("gridkit.toml", "schema.toml"):
        _resave(tmp_path / name, how, crlf)
    config = load_config(cfg)
    assert config.county.township_names[-1] == "三桃乡(试)"
    assert config.county.township_names[:-1] == reference.county.township_names[:-1]
    assert config.county.name == "威信县"
    assert [s.name for s in config.schema.sheets] == [s.name for s in reference.schema.sheets]
    assert config.schema.reading == reference.schema.reading


@pytest.mark.parametrize("name", ["gridkit.toml", "schema.toml"])
@pytest.mark.parametrize("data", [
    "utf-16-le-no-bom", b"\x81\x20\xff\xfe\x00garbage", b"PK\x03\x04\x14\x00\x00\x00\x08\x00"],
    ids=["utf16-no-bom", "bytes", "zip"])
def test_unreadable_encoding_is_one_sentence(tmp_path: Path, name: str,
                                             data: str | bytes) -> None:
    init_county(tmp_path)
    path = tmp_path / name
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le")
                     if data == "utf-16-le-no-bom" else data)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "gridkit.toml")
    message = err.value.message
    assert str(path) in message and "UTF-8" in message and "记事本" in message
    assert "\n" not in message and "codec" not in message


def test_decode_text() -> None:
    text = "# 本县\r\nname = \"威信县\"\n"
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-32"):
        assert decode_text(text.encode(encoding)) == text, encoding
    assert decode_text(b"") == ""
    assert decode_text(text.encode("utf-16-le")) is None  # no BOM: NULs
    assert decode_text(b"\xff\x81\x30") is None


def _comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@pytest.mark.parametrize("name", ["county.toml", "schema.toml"])
def test_shipped_comments_are_chinese_for_the_clerk(name: str) -> None:
    text = resources.files("toolkit").joinpath("data", name).read_text(encoding="utf-8")
    for line in _comment_lines(text):
        body = line.lstrip("#").strip()
        if not body or set(body) <= {"-"}:
            continue
        assert CJK.search(body), line
        assert not re.search(r"toolkit/|\.py\b|README|shared/|\.\./", body), line


def test_init_writes_chinese_comments(tmp_path: Path) -> None:
    init_county(tmp_path)
    for name in ("gridkit.toml", "schema.toml"):
        for line in _comment_lines((tmp_path / name).read_text(encoding="utf-8")):
            body = line.lstrip("#").strip()
            assert not body or set(body) <= {"-"} or CJK.search(body), line
