"""Checking a township register: every rule of the catalogue on the table model.

* :mod:`.run`: :func:`check_path` / :func:`check_paths` / :func:`check_register` give one
  :class:`CheckResult` per file (never raising for a bad file), :func:`exit_code`;
* :mod:`.rules`: the rules, one module per concept, over :class:`~.rules.context.Context`;
* :mod:`.catalogue`: every rule's code, title, severity and help;
* :mod:`.idcard`: GB 11643 ID numbers.
"""

from __future__ import annotations

from ..config.catalogue import RULE_TITLES, catalogue
from ..read import workbook_files
from .rules import run_checks, show
from .run import CheckResult, check_path, check_paths, check_register, exit_code

__all__ = ["RULE_TITLES", "CheckResult", "catalogue", "check_path", "check_paths",
           "check_register", "exit_code", "run_checks", "show", "workbook_files"]
