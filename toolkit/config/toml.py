"""Reading the configuration's TOML files: the built-in copies, a county's copy in whatever
encoding Notepad saved it (UTF-8 with or without a BOM, "ANSI" = GBK, UTF-16; CRLF or LF),
parse errors as one Chinese sentence (file, line, column), and :class:`TomlReader`, typed
access to a table that names the file and the key in every mistake."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..files import decode_text


def builtin_text(name: str) -> str:
    """The text of a built-in data file (``schema.toml`` or ``county.toml``)."""
    return resources.files("toolkit").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def read_toml_text(path: Path, source: str) -> str:
    """The text of a county's TOML file (see the module docstring); a file in no encoding
    Notepad saves is one sentence naming it. An ``OSError`` is the caller's to word."""
    text = decode_text(path.read_bytes())
    if text is None:
        raise ConfigError(f"配置文件 {source} 不是能读取的文字文件(不是 UTF-8 或 GBK 编码):"
                          "请用记事本打开它,“另存为”时编码选“UTF-8”,保存后重试。")
    return text


_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        m = _TOML_AT.search(reason)
        where = "末尾"
        if m:
            reason = reason[: m.start()]
            if m.group(1):
                where = f"第{m.group(1)}行第{m.group(2)}列"
        raise ConfigError(f"配置文件 {source} 在{where}不是有效的TOML写法({reason}),"
                          "请改正后重试。") from exc


class TomlReader:
    """Typed access to a TOML table that reports file + key on every mistake."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(f"配置文件 {self.source} 中的 {key} 有误:{reason}。")

    def get(self, table: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...],
            default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(f"{path}.{key}".lstrip("."), "缺少此项")
            return default
        value = table[key]
        numeric = kind is int or (isinstance(kind, tuple) and int in kind)
        if numeric and isinstance(value, bool):
            raise self.fail(f"{path}.{key}".lstrip("."),
                            "应为整数" if kind is int else f"应为数字,实际是 {value!r}")
        if not isinstance(value, kind):
            names = {str: "文字", int: "整数", bool: "true/false", list: "列表", dict: "表",
                     dt.date: "日期"}
            want = names.get(kind, str(kind)) if isinstance(kind, type) else "数字"
            raise self.fail(f"{path}.{key}".lstrip("."), f"应为{want},实际是 {value!r}")
        return value

    def strings(self, table: dict[str, Any], key: str, path: str,
                default: Any = ...) -> tuple[str, ...]:
        value = self.get(table, key, path, list, default)
        if not all(isinstance(v, str) for v in value):
            raise self.fail(f"{path}.{key}".lstrip("."), "列表中每一项都应为文字")
        return tuple(value)

    def tables(self, table: dict[str, Any], key: str,
               path: str) -> list[tuple[str, dict[str, Any]]]:
        """An array of tables, each with its place for messages (``sheets[2]``)."""
        items = self.get(table, key, path, list)
        places = [f"{path}.{key}[{i}]".lstrip(".") for i in range(len(items))]
        for where, item in zip(places, items, strict=True):
            if not isinstance(item, dict):
                raise self.fail(where, "应为表(每一项写成 name = \"…\" 等键值,而不是一个单独的值)")
        return list(zip(places, items, strict=True))
