"""Build township register workbooks in tmp_path for tests.

``clean_register()`` gives a small register that passes every check, as
``{sheet name: [header row, data rows...]}``; tests change a cell and write it with
``write_workbook()``. Values are written as given: a ``str`` ID stays text, a ``float``
ID becomes a number cell, exactly as Excel would store them.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from toolkit.check.idcard import make_id

Rows = list[list[Any]]
Book = dict[str, Rows]

REPORT_DATE = dt.date(2020, 2, 4)


def pid(n: int, male: bool = True, born: dt.date = dt.date(1980, 5, 17)) -> str:
    """A valid 18-digit ID, different for each n."""
    return make_id("530629", born, n * 2 + (1 if male else 0), male)


def clean_register(township: str = "扎西镇", report_date: dt.date = REPORT_DATE) -> Book:
    d = report_date
    return {
        "填报信息": [
            ["填报单位", "填报日期", "填报人", "联系电话", "审核人"],
            [township, d, "王丽", "13887012345", "李强"],
        ],
        "网格": [
            ["网格编号", "乡镇", "村(社区)", "村民小组/小区", "网格长", "乡镇工作人员",
             "驻村工作队员", "村(社区)干部", "乡村医生", "村(居)民小组长", "议事会成员",
             "包片党员", "联防队人数", "联防队党员人数", "联系电话"],
            ["G01", township, "河坝村", "一组", "张伟", "李娜、王磊", "赵敏", "陈刚", "刘洋",
             "杨帆", "周杰", "吴静、郑浩", 12, 3, "13908701111"],
            ["G02", township, "河坝村", "二组", "孙涛", "钱进、冯雪、韩梅", "朱琳", "秦川",
             "许峰", "何平", "吕方", "施展、张勇、罗兰", 10, 2, "0870-6123456"],
        ],
        "住户": [
            ["户编号", "网格编号", "户主姓名", "身份证号", "联系电话", "家庭人口数", "住址",
             "住户类别", "包保责任人"],
            ["H001", "G01", "马云飞", pid(1), "13512340001", 4, "河坝村一组12号", "农村住户",
             "李娜"],
            ["H002", "G01", "黄小红", pid(2, male=False), "13512340002", 3, "河坝村一组15号",
             "农村住户", "李娜"],
            ["H003", "G02", "胡大海", pid(3), "13512340003", 5, "河坝村二组3号", "农村住户",
             "钱进"],
        ],
        "排查登记": [
            ["序号", "姓名", "性别", "身份证号", "联系电话", "户编号", "来源地", "是否湖北来威",
             "抵威日期", "接触史", "健康状况", "管控措施", "观察起始日期", "观察解除日期",
             "包保责任人", "备注"],
            [1, "马小军", "男", pid(11), "13612340011", "H001", "湖北省武汉市", "是",
             dt.date(2020, 1, 20), "无", "正常", "居家观察", dt.date(2020, 1, 20),
             dt.date(2020, 2, 3), "李娜", None],
            [2, "黄丽", "女", pid(12, male=False), "13612340012", "H002", "浙江省温州市", "否",
             dt.date(2020, 1, 25), "无", "正常", "无需管控", None, None, "李娜", None],
            [3, "胡明", "男", pid(13), "13612340013", "H003", "广东省东莞市", "否",
             dt.date(2020, 2, 1), "有", "正常", "医学观察", dt.date(2020, 2, 1),
             dt.date(2020, 2, 15), "钱进", "接触过湖北返乡人员"],
        ],
        "卡点值守": [
            ["日期", "卡点名称", "班次", "值守人数", "其中党员", "检查车辆", "检查人员",
             "体温异常人数", "负责人"],
            [d, "扎西高速路口", "早班", 6, 3, 120, 260, 0, "张伟"],
            [d, "扎西高速路口", "中班", 6, 2, 150, 310, 1, "孙涛"],
            [d, "扎西高速路口", "夜班", 5, 2, 40, 80, 0, "李娜"],
        ],
        "队伍": [
            ["队伍名称", "类型", "人数", "党员人数", "负责人"],
            ["河坝村党员志愿服务队", "党员志愿服务队", 15, 15, "陈刚"],
            ["河坝村一组联防队", "联防队", 12, 3, "杨帆"],
        ],
        "宣传": [
            ["日期", "宣传资料(份)", "标语横幅(条)", "宣传车(辆次)", "摩托车(辆次)",
             "应急广播(次)", "取消宴席聚会(户)"],
            [d, 1200, 35, 4, 6, 12, 2],
        ],
        "捐赠": [
            ["日期", "捐赠方", "物资名称", "数量", "计量单位", "折合金额(元)", "接收单位",
             "经办人"],
            [d, "威信个私协会党支部", "口罩", 2000, "个", 5000, "扎西镇卫生院", "王丽"],
        ],
    }


def copy_book(book: Book) -> Book:
    return copy.deepcopy(book)


def set_cell(book: Book, sheet: str, data_row: int, column: str, value: Any) -> int:
    """Set a data cell (data_row 1 = the first row under the header); returns its Excel
    row number when the book is written with no title rows."""
    header = book[sheet][0]
    book[sheet][data_row][header.index(column)] = value
    return data_row + 1


def write_workbook(path: Path, book: Book, *, title_rows: dict[str, list[list[Any]]] | None = None,
                   hidden: tuple[str, ...] = ()) -> Path:
    """Write ``book`` to ``path`` with openpyxl. ``title_rows`` puts rows above a sheet's
    header (a title, a 填表说明 line); dates get a date number format."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in book.items():
        ws = wb.create_sheet(name)
        for pre in (title_rows or {}).get(name, []):
            ws.append(pre)
        for row in rows:
            ws.append(row)
        for r in ws.iter_rows():
            for c in r:
                if isinstance(c.value, dt.date):
                    c.number_format = "yyyy-mm-dd"
                elif isinstance(c.value, str) and c.value.isdigit() and len(c.value) > 10:
                    c.number_format = "@"
        if name in hidden:
            ws.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
