"""The buttons office staff press in Excel.

Each function here is called by xlwings' ``RunPython`` from a button in a workbook, e.g.
``RunPython("import macros;macros.check_this_workbook()")``, and is a thin shell over
``toolkit``: it finds the calling workbook (``xw.Book.caller()``), runs ONE library call
and shows one sentence. No exception ever reaches Excel as a traceback
(see :mod:`toolkit.excel.runner`).

Button captions (Chinese) -> functions: :data:`BUTTONS`, derived from
:data:`toolkit.excel.attach.ACTIONS`, the single source ``gridkit excel attach`` wires the
buttons from.
"""

from __future__ import annotations

from toolkit.excel import county, live
from toolkit.excel.attach import ACTIONS
from toolkit.excel.runner import run_button

__all__ = ["BUTTONS", "check_this_workbook", "make_feedback", "make_report", "merge_now"]


def check_this_workbook() -> str:
    """检查本表: check the calling workbook, mark the problem cells, write 检查结果."""
    return run_button("检查本表", lambda book, config: live.check_and_mark(book, config).summary)


def merge_now() -> str:
    """汇总: run tonight's merge now and refresh the county master workbook."""
    return run_button("汇总", county.merge_and_refresh)


def make_report() -> str:
    """生成日报: write the day's report and open it."""
    return run_button("生成日报", county.report_and_open)


def make_feedback() -> str:
    """生成反馈: write each township's feedback file into the outbox."""
    return run_button("生成反馈", county.write_feedback)


# caption -> function name
BUTTONS: dict[str, str] = {caption: function for caption, (function, _) in ACTIONS.items()}
