"""An unexpected failure (a bug) reaches office staff as one sentence, never a traceback;
the traceback is kept in a log file for whoever supports the office."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import check as check_cli
from toolkit.cli import main


def _boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("模拟的程序错误")


def test_a_bug_is_one_sentence_and_a_logged_traceback(tmp_path: Path, clean_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDKIT_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("GRIDKIT_DEBUG", raising=False)
    monkeypatch.setattr(check_cli, "check_paths", _boom)
    result = CliRunner().invoke(main, ["check", str(clean_file)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and "意外错误" in lines[0] and "errors.log" in lines[0]
    log = (tmp_path / "logs" / "errors.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "模拟的程序错误" in log


def test_gridkit_debug_shows_the_traceback(clean_file: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDKIT_DEBUG", "1")
    monkeypatch.setattr(check_cli, "check_paths", _boom)
    result = CliRunner().invoke(main, ["check", str(clean_file)])
    assert isinstance(result.exception, RuntimeError)


@pytest.mark.parametrize("command", [["add-city", "gridkit_city"],
                                     ["add-county", "pg_zhaoyang", "--county", "530602"]])
def test_a_name_the_server_cannot_take_is_refused_before_the_password_is_asked(
        command: list[str]) -> None:
    """No password typed twice for nothing: the name is refused first, in one sentence."""
    pytest.importorskip("psycopg")
    result = CliRunner().invoke(main, ["store", *command, "--admin",
                                       "postgresql://postgres@127.0.0.1:5432/gridkit",
                                       "--password"], input="")
    assert result.exit_code == 2
    assert "不能" in result.output and "新密码" not in result.output
