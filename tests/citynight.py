"""A small city night built for real: sample registers for some of 昭通市's built-in counties,
each county's own merge into its own SQLite store, and a city.toml naming those stores."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from toolkit.config.city import City, load_city
from toolkit.config.county import Config, sample_county
from toolkit.night.merge import merge_night
from toolkit.sample import generate

NIGHT = dt.date(2020, 2, 4)
ON_TIME = dt.datetime(2020, 2, 4, 19, 0)
LATE = dt.datetime(2020, 2, 4, 21, 0)
MERGE_AT = dt.datetime(2020, 2, 4, 22, 0)
SCALE = 0.05
# 威信县 (the county's own sample), 昭阳区 and 水富市 (generated counties)
CODES = ("530629", "530602", "530681")


def county_samples(root: Path, code: str, *, seed: int, night: dt.date = NIGHT,
                   skip: int = 0) -> tuple[Config, list[Path]]:
    """The county's config (its folders under ``root/code``) and its sample registers; the
    last ``skip`` townships send nothing."""
    config = sample_county(code, cwd=root / code)
    names = list(config.county.township_names)
    files = generate(config, root / "samples" / code, night, scale=SCALE, seed=seed,
                     townships=names[: len(names) - skip]).files
    return config, files


def deliver(config: Config, files: list[Path], when: dt.datetime = ON_TIME) -> None:
    inbox = config.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = inbox / f.name
        shutil.copyfile(f, target)
        os.utime(target, (when.timestamp(), when.timestamp()))


def merge(config: Config, night: dt.date = NIGHT) -> None:
    merge_night(config, night, now=dt.datetime.combine(night, MERGE_AT.time()))


def write_city(root: Path, codes: tuple[str, ...] = CODES, *, extra: str = "",
               name: str = "city.toml") -> City:
    """A city file (``name``) in ``root`` naming the counties' stores
    (``root/<code>/gridkit.sqlite3``); ``extra``: more lines for its [city] table's end."""
    names = {code: sample_county(code, cwd=root).county.name for code in codes}
    lines = ['[city]', 'name = "昭通市"', 'code = "530600"',
             'office = "昭通市疫情防控指挥部办公室"', extra, '']
    for code in codes:
        lines += ['[[counties]]', f'name = "{names[code]}"', f'code = "{code}"',
                  f'store = "{code}/gridkit.sqlite3"', '']
    path = root / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_city(path)
