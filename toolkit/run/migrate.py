"""``gridkit store migrate --to URL``: a county's history moved from its SQLite file onto the
city's server.

:func:`migrate_store` checks the address (the county file's own rules: no password in it,
libpq reads PGPASSWORD or the pgpass file), takes the workspace lock the merge takes (no
night is written into the SQLite file while it is copied), and copies every night the
server lacks with :func:`toolkit.store.transfer.copy_history`; running it again copies
nothing. The SQLite file is left as it was: until the county file names the server
(``[store] url``), the county's nights still go into it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..config.county import Config, store_url_problem
from ..errors import ConfigError, UsageError
from ..night.locking import workspace_lock
from ..store import server_module
from ..store.maintenance import guard
from ..store.sqlite import SqliteStore
from ..store.transfer import TransferSummary, copy_history


@dataclass
class StoreMigration:
    """What :func:`migrate_store` did."""

    county: str  # the county's name
    code: str  # its area code (its rows' county on the server)
    source: Path  # the SQLite history copied
    url: str  # the server's address (no password)
    server: str  # host:port/database, for a sentence
    transfer: TransferSummary
    server_nights: list[str]  # every night of the county on the server afterwards (ISO)
    configured: bool  # the county file already names this server
    config_file: str  # the county file to edit

    @property
    def config_lines(self) -> str:
        """What the county file needs for the county to use the server."""
        return f'[store]\nurl = "{self.url}"'

    @property
    def sentence(self) -> str:
        t = self.transfer
        where = f"{self.county}的历史库 {self.source} → 服务器 {self.server}"
        if t.copied:
            done = (f"已复制{len(t.copied)}晚({'、'.join(t.copied)}),共{t.submissions}份报表、"
                    f"{t.rows}行登记、{t.findings}条检查问题、{t.conflicts}处重复身份证号")
        elif t.skipped:
            done = "没有需要复制的:这些晚上服务器上都已经有了"
        else:
            done = "没有需要复制的:本县历史库中还没有汇总过的晚上"
        kept = f";服务器上已有的{len(t.skipped)}晚没有重复复制" if t.copied and t.skipped else ""
        return (f"{where}:{done}{kept}。服务器上本县现有{len(self.server_nights)}晚。")

    def to_dict(self) -> dict[str, Any]:
        return {"county": self.county, "code": self.code, "source": str(self.source),
                "url": self.url, "server": self.server, **self.transfer.to_dict(),
                "server_nights": self.server_nights, "configured": self.configured,
                "config_file": self.config_file, "config_lines": self.config_lines,
                "message": self.sentence}


def migrate_store(config: Config, url: str) -> StoreMigration:
    """Copy the county's SQLite history (``config.paths.store``) onto the server at ``url``
    as the county ``config.county.area_code`` (see the module docstring)."""
    url = url.strip()
    problem = store_url_problem(url)
    if problem is not None:
        raise UsageError(f"--to 的服务器地址有误:{problem}。")
    code = config.county.area_code.strip()
    if not code:
        raise ConfigError(f"配置文件 {config.source} 中 county.area_code 为空:迁到服务器前请"
                          "填写本县的行政区划代码(如 530629),服务器用它区分各县的数据。")
    source = config.paths.store
    if not source.is_file():
        raise UsageError(f"本县还没有历史库文件 {source}:没有可以迁移的汇总历史"
                         "(请检查配置中的 [paths] store)。")
    guard(replace(config, store_url=None))  # a SQLite file that lost its history is refused
    backend = server_module()  # psycopg only for a migration
    with workspace_lock(source), SqliteStore(source) as lite, \
            backend.PostgresStore(url, county=code) as server:
        transfer = copy_history(lite, server)
        nights = [d.isoformat() for d in server.nights()]
    return StoreMigration(config.county.name, code, source, url, backend.where(url), transfer,
                          nights, config.store_url == url, str(config.source))


__all__ = ["StoreMigration", "migrate_store"]
