"""``gridkit init``: editable copies of the county file and the register schema, and the
folders the county's configuration names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, UsageError, os_reason
from .county import CONFIG_NAME, SCHEMA_NAME, load_config, sample_counties
from .toml import builtin_text


@dataclass
class InitResult:
    """What ``init`` did: the config file, the files written and kept, the folders made."""

    config_file: Path
    written: list[Path]
    kept: list[Path]  # existing files left as they were (no ``force``)
    folders: list[Path]  # every folder the config names (created when missing)
    created: list[Path]  # those of ``folders`` that did not exist before

    def to_dict(self) -> dict[str, Any]:
        return {"config": str(self.config_file),
                "written": [str(p) for p in self.written], "kept": [str(p) for p in self.kept],
                "folders": [str(p) for p in self.folders],
                "created": [str(p) for p in self.created]}


_COUNTY_TABLE = re.compile(r"^\[county\]", re.MULTILINE)


def init_county(directory: str | Path, *, force: bool = False,
                county: str | None = None) -> InitResult:
    """Write editable copies of the county file (``gridkit.toml``, pointing at the schema
    beside it) and the schema (``schema.toml``) into ``directory`` and create the folders the
    config names. ``county``: the area code of another built-in sample county (e.g. 530602
    昭阳区) to start from instead of 威信县. Existing files are kept unless ``force``; the
    result is loaded and so validated."""
    d = Path(directory)
    known = sample_counties()
    if county is not None and county not in known:
        raise UsageError(f"没有行政区划代码为 {county} 的内置样例县,可用:{'、'.join(known)}。")
    if d.exists() and not d.is_dir():
        raise ConfigError(f"{d} 已存在且不是文件夹,请换一个文件夹名。")
    written: list[Path] = []
    kept: list[Path] = []
    county_text = _COUNTY_TABLE.sub(
        f'# 登记表结构文件(与本文件在同一个文件夹中)\nschema = "{SCHEMA_NAME}"\n\n[county]',
        builtin_text(known[county] if county is not None else "county.toml"), count=1)
    try:
        d.mkdir(parents=True, exist_ok=True)
        for name, text in ((CONFIG_NAME, county_text),
                           (SCHEMA_NAME, builtin_text(SCHEMA_NAME))):
            target = d / name
            if target.exists() and not force:
                kept.append(target)
                continue
            target.write_text(text, encoding="utf-8")
            written.append(target)
        config = load_config(d / CONFIG_NAME)
        folders = list(dict.fromkeys(config.paths.folders()))
        created = [f for f in folders if not f.is_dir()]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        where = exc.filename or d
        raise ConfigError(f"无法在 {where} 写入配置或创建文件夹:{os_reason(exc)},"
                          "请检查文件夹权限后重试。") from exc
    return InitResult(d / CONFIG_NAME, written, kept, folders, created)
