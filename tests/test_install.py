"""What an office install relies on, checked without building a wheel: the package data
the wheel must carry, the entry point, one install route in the docs (docs/安装说明.md) that
the other docs point at, and the buttons' workbooks naming the Python that runs gridkit."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import main

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
DOCS = REPO / "docs"
INSTALL = DOCS / "安装说明.md"


def _runtime_files(package: Path) -> set[Path]:
    return {p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and p.suffix not in (".py", ".pyc")}


def test_package_data_covers_every_file_the_code_reads() -> None:
    """Every non-Python file under toolkit/ (the built-in county, schema and rules, the
    report and feedback templates) is in the wheel's package data."""
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["toolkit"]
    package = REPO / "toolkit"
    covered = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    needed = _runtime_files(package)
    assert needed, "no data files found"
    assert sorted(str(p.relative_to(package)) for p in needed - covered) == []
    for name in ("data/county.toml", "data/schema.toml", "data/rules.toml"):
        assert package / name in covered


def test_wheel_metadata() -> None:
    project = PYPROJECT["project"]
    assert project["scripts"] == {"gridkit": "toolkit.cli:main"}
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]) >= {
        "toolkit*", "macros*"}
    # an SPDX string: the table form is refused by setuptools builds from 2027-02-18
    assert project["license"] == "MIT"
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77
               for r in PYPROJECT["build-system"]["requires"])


def test_readme_keeps_its_two_commands_and_points_at_the_install_doc() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ("python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/gridkit demo"
            in readme)
    assert ("python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"
            in readme)
    assert "docs/安装说明.md" in readme


def test_one_install_route() -> None:
    """The office docs point at 安装说明.md and give no install commands of their own, nor
    other folders for the program or the county."""
    text = INSTALL.read_text(encoding="utf-8")
    for step in ("Add python.exe to PATH", "python -m venv .venv", "python -m build --wheel",
                 "pip download", "--no-index --find-links", "gridkit init C:\\gridkit\\威信县",
                 "Excel使用说明", "运行与计划任务", "没有**在真实的\nWindows"):
        assert step in text, step
    for name in ("用户手册.md", "Excel使用说明.md", "运行与计划任务.md"):
        doc = (DOCS / name).read_text(encoding="utf-8")
        assert "安装说明" in doc, name
        assert not re.search(r"pip (install|download)|pip install -e|D:\\\\(gridkit|疫情防控)",
                             doc), name
        for path in re.findall(r"C:\\gridkit\\[^\s`\"<]*", doc):
            assert path.startswith(("C:\\gridkit\\.venv", "C:\\gridkit\\威信县",
                                    "C:\\gridkit\\演示")), (name, path)


def test_build_workbooks_names_this_python_on_the_office_pc(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed in a venv, the buttons must start the venv's Python: build-workbooks passes
    it on as attach does (on Linux it stays empty); --interpreter still wins."""
    import toolkit.cli.excel as cli_excel

    seen: list[str] = []
    monkeypatch.setattr(cli_excel, "default_interpreter",
                        lambda: r"C:\gridkit\.venv\Scripts\pythonw.exe")
    monkeypatch.setattr(cli_excel, "build_workbooks",
                        lambda config, directory, *, interpreter: seen.append(interpreter) or [])
    monkeypatch.chdir(tmp_path)
    for extra in ([], ["--interpreter", ""], ["--interpreter", r"D:\py\pythonw.exe"]):
        res = CliRunner().invoke(main, ["excel", "build-workbooks", "wb", *extra])
        assert res.exit_code == 0, res.output
    assert seen == [r"C:\gridkit\.venv\Scripts\pythonw.exe", "", r"D:\py\pythonw.exe"]
