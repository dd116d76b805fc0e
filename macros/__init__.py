"""The buttons office staff press in Excel.

Each function here is called by xlwings' ``RunPython`` from a button in a workbook, e.g.
``RunPython("import macros;macros.check_this_workbook()")``, and is a thin shell over
``toolkit``: it finds the calling workbook (``xw.Book.caller()``), runs ONE library call
and shows one sentence. No exception ever reaches Excel as a traceback
(see :mod:`toolkit.excel.runner`).

Button captions (Chinese) -> functions: :data:`BUTTONS`, derived from
:data:`toolkit.excel.actions.ACTIONS`, the single source ``gridkit excel attach`` wires the
buttons from.
"""

from __future__ import annotations

from toolkit.excel.actions import ACTIONS
from toolkit.excel.runner import run_button

# Each button imports only what it runs (a button's start-up is the clerk's wait: the
# county buttons' merge/report modules would double the 检查本表 button's).

__all__ = ["BUTTONS", "check_this_workbook", "make_feedback", "make_report", "merge_now"]


def check_this_workbook() -> str:
    """检查本表: check the calling workbook, mark the problem cells, write 检查结果."""
    from toolkit.excel import live

    return run_button("检查本表", lambda book, config: live.check_and_mark(book, config).summary)


def merge_now() -> str:
    """汇总: run tonight's merge now and refresh the county master workbook."""
    from toolkit.excel import county

    return run_button("汇总", county.merge_and_refresh)


def make_report() -> str:
    """生成日报: write the day's report and open it."""
    from toolkit.excel import county

    return run_button("生成日报", county.report_and_open)


def make_feedback() -> str:
    """生成反馈: write each township's feedback file into the outbox."""
    from toolkit.excel import county

    return run_button("生成反馈", county.write_feedback)


# caption -> function name
BUTTONS: dict[str, str] = {caption: function for caption, (function, _) in ACTIONS.items()}
