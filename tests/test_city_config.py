"""The city configuration: the built-in sample city, one Chinese sentence per mistake, the
server URL accepted and handed to the server backend; the sample generator for another
county of the city."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from toolkit.city import stores as city_stores
from toolkit.city.stores import open_city_stores
from toolkit.cli import main
from toolkit.config.city import load_city
from toolkit.errors import ConfigError

GOOD = """\
[city]
name = "昭通市"
code = "530600"
office = "昭通市疫情防控指挥部办公室"

[[counties]]
name = "威信县"
code = "530629"
store = "weixin/gridkit.sqlite3"

[[counties]]
name = "昭阳区"
code = "530602"
store = "zhaoyang/gridkit.sqlite3"
"""


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "city.toml"
    path.write_bytes(text.encode(encoding))
    return path


def test_builtin_sample_city(tmp_path: Path) -> None:
    city = load_city(cwd=tmp_path)
    assert (city.name, city.code) == ("昭通市", "530600")
    assert city.county("威信县") == city.county("530629")
    assert city.county_names[0] == "威信县" and len(city.counties) == 5
    assert all(c.code.startswith("5306") for c in city.counties)
    assert city.counties[0].store == tmp_path / "530629" / "gridkit.sqlite3"
    assert city.paths.master == tmp_path / "workbooks" / "全市汇总表.xlsx"
    assert city.store_url is None


def test_city_file_in_the_current_folder_and_in_gbk(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "gbk")  # Notepad's "ANSI"
    city = load_city(cwd=tmp_path)
    assert city.county_names == ("威信县", "昭阳区")
    assert city.counties[1].store == tmp_path / "zhaoyang" / "gridkit.sqlite3"


@pytest.mark.parametrize(("change", "key", "reason"), [
    (("code = \"530600\"", "code = \"5306\""), "city.code", "应为6位数字"),
    (("code = \"530602\"", "code = \"530102\""), "code", "不在昭通市(530600)之下"),
    (("office = ", "mayor = \"x\"\noffice = "), "city.mayor", "未知的配置项"),
    (("store = \"zhaoyang/gridkit.sqlite3\"\n", ""), "store", "缺少此项"),
    (("name = \"昭阳区\"", "name = \"威信县\""), "counties", "威信县 列了两次"),
    (("code = \"530602\"", "code = \"530629\""), "counties", "代码 530629 列了两次"),
    (("zhaoyang/", "weixin/"), "counties", "每个县应有自己的历史库"),
    (("[[counties]]\nname = \"威信县\"", "[store]\nurl = \"mysql://x\"\n\n"
      "[[counties]]\nname = \"威信县\""), "store.url", "postgresql://"),
    (("name = \"昭通市\"", "name = 530600"), "city.name", "应为文字"),
])
def test_each_mistake_is_one_sentence_naming_the_key(tmp_path: Path, change: tuple[str, str],
                                                      key: str, reason: str) -> None:
    old, new = change
    assert old in GOOD
    text = GOOD.replace(old, new, 1) if old != "code = \"530602\"" else GOOD.replace(old, new)
    with pytest.raises(ConfigError) as caught:
        load_city(write(tmp_path, text))
    message = caught.value.message
    assert key in message and reason in message, message
    assert message.startswith(f"配置文件 {tmp_path / 'city.toml'} 中的")
    assert message.count("。") == 1 and message.endswith("。")


SERVER = """\
[city]
name = "昭通市"
code = "530600"

[store]
url = "postgresql://gridkit@city-db/gridkit"

[[counties]]
name = "威信县"
code = "530629"

[[counties]]
name = "昭阳区"
code = "530602"
"""


def test_server_url_without_the_backend_is_one_sentence(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    city = load_city(write(tmp_path, SERVER))
    assert city.store_url == "postgresql://gridkit@city-db/gridkit"
    assert all(c.store is None for c in city.counties)
    monkeypatch.setattr(city_stores, "SERVER_BACKEND", "toolkit.store.no_such_backend")
    with pytest.raises(ConfigError, match=r"store\.url 暂时不能使用:连接数据库服务器需要 psycopg"):
        open_city_stores(city)


def test_server_url_opens_one_store_per_county(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[str, str]] = []

    class FakeServerStore:
        def __init__(self, url: str, *, county: str) -> None:
            opened.append((url, county))

        def close(self) -> None:
            pass

    module: Any = types.ModuleType("fake_backend")
    module.PostgresStore = FakeServerStore
    monkeypatch.setitem(sys.modules, "fake_backend", module)
    monkeypatch.setattr(city_stores, "SERVER_BACKEND", "fake_backend")
    stores = open_city_stores(load_city(write(tmp_path, SERVER)))
    assert list(stores) == ["530629", "530602"]
    assert opened == [("postgresql://gridkit@city-db/gridkit", "530629"),
                      ("postgresql://gridkit@city-db/gridkit", "530602")]


def test_sample_for_another_county(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sample", str(tmp_path / "out"), "--date", "2020-02-04",
                                       "--county", "530681", "--scale", "0.05",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    towns = ("云富街道", "向家坝镇", "太平镇", "两碗镇")
    assert names == sorted(f"{t}_20200204.xlsx" for t in towns)
    assert json.loads(result.output)["date"] == "2020-02-04"
    wb = openpyxl.load_workbook(tmp_path / "out" / "云富街道_20200204.xlsx", read_only=True)
    try:
        rows = list(wb["排查登记"].iter_rows(values_only=True))
    finally:
        wb.close()
    head = next(i for i, r in enumerate(rows) if "身份证号" in r)
    col = rows[head].index("身份证号")
    ids = [r[col] for r in rows[head + 1:] if r[col]]
    assert ids and sum(str(i).startswith("530681") for i in ids) > len(ids) / 2
    result = CliRunner().invoke(main, ["sample", str(tmp_path / "x"), "--date", "2020-02-04",
                                       "--county", "999999"])
    assert result.exit_code == 2 and "没有行政区划代码为 999999 的内置样例县" in result.output


def test_init_starts_a_county_folder_from_another_sample_county(tmp_path: Path) -> None:
    """`gridkit init DIR --county 530602`: the folder is 昭阳区's, so `gridkit sample --county
    530602` registers merge there; an unknown code is one sentence (exit 2)."""
    from click.testing import CliRunner

    from toolkit.cli import main
    from toolkit.config.county import load_config

    made = CliRunner().invoke(main, ["init", str(tmp_path / "zy"), "--county", "530602"])
    assert made.exit_code == 0, made.output
    config = load_config(tmp_path / "zy" / "gridkit.toml")
    assert (config.county.name, config.county.area_code) == ("昭阳区", "530602")
    assert (tmp_path / "zy" / "schema.toml").is_file() and config.paths.inbox.is_dir()
    bad = CliRunner().invoke(main, ["init", str(tmp_path / "x"), "--county", "999999"])
    assert bad.exit_code == 2 and "没有行政区划代码为 999999 的内置样例县" in bad.output
