"""The buttons: each caption office staff see, the function of ``macros`` it runs and what it
does. ``gridkit excel attach`` wires the buttons from here and ``macros.BUTTONS`` is derived
from it (kept apart from the attach code, so pressing a button imports nothing else)."""

from __future__ import annotations

# caption -> (Python function in macros/, what it does, for the button sheet)
ACTIONS: dict[str, tuple[str, str]] = {
    "检查本表": ("check_this_workbook",
             "检查本工作簿:问题单元格标红(错误)或标黄(警告)并加批注,问题清单写在“检查结果”表。"
             "再次检查前会先清除上次的标记。"),
    "汇总": ("merge_now", "立即汇总今晚各乡镇报送的登记表,并刷新本工作簿中的汇总数据。"),
    "生成日报": ("make_report", "生成当天的疫情防控工作日报并打开。"),
    "生成反馈": ("make_feedback", "为每个乡镇生成反馈文件(标出问题的登记表),放在发件箱文件夹中。"),
}
REGISTER_ACTIONS = ("检查本表",)
MASTER_ACTIONS = ("汇总", "生成日报", "生成反馈")
BUTTON_SETS = {"register": REGISTER_ACTIONS, "master": MASTER_ACTIONS, "all": tuple(ACTIONS)}
