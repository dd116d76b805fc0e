"""Reading what townships really send into the table model: header detection, aliases,
skipped rows with Excel row numbers kept, township/date, and one sentence for bad input."""

from __future__ import annotations

import datetime as dt
import errno
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.factory import Book, clean_register, copy_book, pid, set_cell, write_workbook
from toolkit.config.county import Config
from toolkit.errors import StructureError, UnreadableWorkbook
from toolkit.read import RawBook, RawSheet, build_register, read_raw, read_register

DATA = Path(__file__).parent / "data"
SCREENING = "排查登记"


def _rename_header(book: Book, sheet: str, old: str, new: str) -> None:
    header = book[sheet][0]
    header[header.index(old)] = new


def test_clean_register_reads_every_sheet_with_excel_rows(clean_file: Path,
                                                         config: Config) -> None:
    reg = read_register(clean_file, config)
    assert list(reg.sheets) == [s.name for s in config.schema.sheets]
    assert reg.township == "扎西镇"
    assert reg.report_date == dt.date(2020, 2, 4)
    sheet = reg.sheets[SCREENING]
    assert sheet.header_row == 1
    assert sheet.rows == [2, 3, 4]
    assert sheet.cell("身份证号", 0) == "D2"
    assert sheet.values("抵威日期")[0] == dt.date(2020, 1, 20)
    assert sheet.values("联系电话")[0] == "13612340011"
    assert reg.sheets["网格"].values("乡镇工作人员")[1] == ("钱进", "冯雪", "韩梅")
    assert reg.sheets["网格"].values("联防队人数") == [12, 10]
    assert reg.findings == []
    assert reg.normalisations == []


@pytest.mark.parametrize(
    ("above", "header_row"),
    [
        ([["返乡人员排查登记表"]], 2),
        ([["返乡人员排查登记表"], ["填表说明:每人一行,身份证号请用文本格式"]], 3),
        ([["返乡人员排查登记表"], [], ["填报单位:扎西镇", None, None, "日期:2020年2月4日"]], 4),
        ([["填表说明:1月8日以后到威信的人员都要登记"], []], 3),
    ],
    ids=["title", "title+instructions", "title+blank+unit-line", "instructions+blank"],
)
def test_header_row_found_below_title_rows(tmp_path: Path, clean_book: Book, config: Config,
                                           above: list[list[Any]], header_row: int) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book,
                          title_rows={SCREENING: above})
    sheet = read_register(path, config).sheets[SCREENING]
    assert sheet.header_row == header_row
    assert sheet.rows == [header_row + 1, header_row + 2, header_row + 3]
    assert sheet.cell("姓名", 0) == f"B{header_row + 1}"


def test_merged_title_cell_above_the_header(tmp_path: Path, clean_book: Book,
                                            config: Config) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book,
                          title_rows={SCREENING: [["扎西镇返乡人员排查登记表"]]})
    wb = openpyxl.load_workbook(path)
    wb[SCREENING].merge_cells("A1:P1")
    wb.save(path)
    sheet = read_register(path, config).sheets[SCREENING]
    assert (sheet.header_row, sheet.rows[0]) == (2, 3)


def test_table_not_starting_at_a1_keeps_its_addresses(tmp_path: Path, clean_book: Book,
                                                      config: Config) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    wb = openpyxl.load_workbook(path)
    ws = wb[SCREENING]
    ws.insert_rows(1, 3)
    ws.insert_cols(1, 2)
    wb.save(path)
    sheet = read_register(path, config).sheets[SCREENING]
    assert sheet.header_row == 4
    assert sheet.rows == [5, 6, 7]
    assert sheet.cell("序号", 0) == "C5"
    assert sheet.cell("身份证号", 2) == "F7"


@pytest.mark.parametrize(
    ("sheet", "canonical", "alias"),
    [
        (SCREENING, "身份证号", "身份证号码"),
        (SCREENING, "身份证号", "公民身份号码"),
        (SCREENING, "联系电话", "手机号码"),
        (SCREENING, "抵威日期", "返威日期"),
        ("住户", "身份证号", "户主身份证号"),
        ("住户", "家庭人口数", "家庭人口"),
        ("住户", "家庭人口数", "家庭人口数(人)"),
        (SCREENING, "身份证号", "身份证号码(18位)"),
    ],
)
def test_header_aliases_map_to_canonical_columns(tmp_path: Path, clean_book: Book,
                                                 config: Config, sheet: str, canonical: str,
                                                 alias: str) -> None:
    _rename_header(clean_book, sheet, canonical, alias)
    reg = read_register(write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book), config)
    col = reg.sheets[sheet].columns[canonical]
    assert col.header == alias
    assert col.values[0] is not None
    assert reg.findings == []


def test_header_with_spaces_line_breaks_and_required_star(tmp_path: Path, clean_book: Book,
                                                          config: Config) -> None:
    _rename_header(clean_book, SCREENING, "身份证号", "*身份\n证号")
    _rename_header(clean_book, SCREENING, "姓名", "姓　名")
    reg = read_register(write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book), config)
    assert reg.sheets[SCREENING].has("身份证号")
    assert reg.sheets[SCREENING].has("姓名")


def test_extra_column_is_a_warning_at_its_header_cell(tmp_path: Path, clean_book: Book,
                                                      config: Config) -> None:
    for i, row in enumerate(clean_book[SCREENING]):
        row.append("工作单位" if i == 0 else "县医院")
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book,
                          title_rows={SCREENING: [["排查登记表"]]})
    reg = read_register(path, config)
    (finding,) = reg.findings
    assert (finding.rule, finding.severity) == ("extra-column", "warning")
    assert (finding.sheet, finding.row, finding.cell) == (SCREENING, 2, "Q2")
    assert "工作单位" in finding.message
    assert reg.sheets[SCREENING].extra_headers == [("Q", "工作单位")]
    assert len(reg.sheets[SCREENING]) == 3


def test_blank_and_totals_rows_are_skipped_with_row_numbers_kept(tmp_path: Path,
                                                                 clean_book: Book,
                                                                 config: Config) -> None:
    rows = clean_book["卡点值守"]
    width = len(rows[0])
    rows.insert(2, [""] * width)  # a blank row (empty strings) between shifts
    rows.insert(4, ["小计"] + [None] * (width - 1))
    rows.append(["合  计", None, None, 17, 7, 310, 650, 1, None])
    rows.append([None, "总 计", None, 17, 7, 310, 650, 1, None])
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    sheet = read_register(path, config).sheets["卡点值守"]
    assert sheet.rows == [2, 4, 6]
    assert sheet.values("班次") == ["早班", "中班", "夜班"]
    assert sheet.cell("值守人数", 2) == "D6"


@pytest.mark.parametrize(
    "under_header",
    [
        ["填表说明:身份证号请用文本格式填写"],
        ["示例", "张三", "男"],
        ["说明:日期格式 2020-01-28"],
        list(range(1, 17)),  # a row numbering the columns 1 … 16
    ],
    ids=["instructions", "example", "note", "column-numbers"],
)
def test_example_row_under_the_header_is_skipped(tmp_path: Path, clean_book: Book,
                                                 config: Config, under_header: list[Any]) -> None:
    clean_book[SCREENING].insert(1, under_header)
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    sheet = read_register(path, config).sheets[SCREENING]
    assert sheet.rows == [3, 4, 5]
    assert sheet.values("姓名")[0] == "马小军"


def test_hidden_helper_and_annotation_sheets_are_ignored(tmp_path: Path, clean_book: Book,
                                                         config: Config) -> None:
    clean_book["下拉选项"] = [["管控措施"], ["居家观察"]]
    clean_book["检查结果"] = [["工作表", "单元格", "问题"], ["排查登记", "D2", "身份证号有误"]]
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book, hidden=("下拉选项",))
    reg = read_register(path, config)
    assert "下拉选项" not in reg.sheets and "检查结果" not in reg.sheets
    assert reg.findings == []


def test_visible_sheet_wins_over_a_hidden_old_copy(tmp_path: Path, clean_book: Book,
                                                   config: Config) -> None:
    old = copy_book(clean_book)[SCREENING][:2]
    book = {("排查登记表" if k == SCREENING else k): v for k, v in clean_book.items()}
    book[SCREENING] = old
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", book, hidden=(SCREENING,))
    sheet = read_register(path, config).sheets[SCREENING]
    assert sheet.source_name == "排查登记表"
    assert len(sheet) == 3 and not sheet.hidden


def test_hidden_register_sheet_is_read_when_it_is_the_only_one(tmp_path: Path, clean_book: Book,
                                                               config: Config) -> None:
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book, hidden=("宣传",))
    sheet = read_register(path, config).sheets["宣传"]
    assert sheet.hidden and len(sheet) == 1


@pytest.mark.parametrize(
    ("canonical", "alias"),
    [(SCREENING, "返乡人员排查登记表"), (SCREENING, "排查登记表"), ("卡点值守", "卡点值守情况"),
     ("填报信息", "基本信息"), ("捐赠", " 捐赠情况 ")],
)
def test_sheet_name_aliases(tmp_path: Path, clean_book: Book, config: Config, canonical: str,
                            alias: str) -> None:
    book = {(alias if k == canonical else k): v for k, v in clean_book.items()}
    reg = read_register(write_workbook(tmp_path / "扎西镇_20200204.xlsx", book), config)
    assert reg.sheets[canonical].source_name == alias


def test_township_and_date_from_the_info_sheet(tmp_path: Path, config: Config) -> None:
    book = clean_register(township="双河乡", report_date=dt.date(2020, 2, 5))
    set_cell(book, "填报信息", 1, "填报单位", "威信县双河乡人民政府")
    set_cell(book, "填报信息", 1, "填报日期", "2020年2月5日")
    reg = read_register(write_workbook(tmp_path / "register.xlsx", book), config)
    assert (reg.township, reg.report_date) == ("双河乡", dt.date(2020, 2, 5))


@pytest.mark.parametrize(
    ("file_name", "township", "date"),
    [
        ("扎西镇_20200204.xlsx", "扎西镇", dt.date(2020, 2, 4)),
        ("扎西镇-2020.2.4.xlsx", "扎西镇", dt.date(2020, 2, 4)),
        ("2020-02-04 旧城镇网格登记表.xlsx", "旧城镇", dt.date(2020, 2, 4)),
        ("三桃乡2月4日报表.xlsx", "三桃乡", dt.date(2020, 2, 4)),
    ],
)
def test_township_and_date_from_the_file_name(tmp_path: Path, clean_book: Book, config: Config,
                                              file_name: str, township: str,
                                              date: dt.date) -> None:
    set_cell(clean_book, "填报信息", 1, "填报单位", None)
    set_cell(clean_book, "填报信息", 1, "填报日期", None)
    reg = read_register(write_workbook(tmp_path / file_name, clean_book), config)
    assert (reg.township, reg.report_date) == (township, date)


def test_month_day_dates_take_the_year_of_the_submission(tmp_path: Path, clean_book: Book,
                                                         config: Config) -> None:
    set_cell(clean_book, SCREENING, 1, "抵威日期", "1月20日")
    reg = read_register(write_workbook(tmp_path / "x.xlsx", clean_book), config)
    assert reg.sheets[SCREENING].values("抵威日期")[0] == dt.date(2020, 1, 20)
    (norm,) = reg.normalisations
    assert (norm.sheet, norm.cell, norm.kind, norm.before) == (SCREENING, "I2", "date-text",
                                                               "1月20日")


def test_normalisations_are_recorded_at_their_cells(tmp_path: Path, clean_book: Book,
                                                    config: Config) -> None:
    set_cell(clean_book, SCREENING, 2, "联系电话", 13612340012.0)
    set_cell(clean_book, SCREENING, 3, "姓名", "胡 明")
    set_cell(clean_book, "住户", 1, "身份证号", pid(1)[:-1] + "x" if pid(1).endswith("X")
             else "　" + pid(1))
    reg = read_register(write_workbook(tmp_path / "x.xlsx", clean_book,
                                       title_rows={SCREENING: [["标题"]]}), config)
    got = {(n.sheet, n.cell, n.kind, n.after) for n in reg.normalisations}
    assert (SCREENING, "E4", "phone-float", "13612340012") in got
    assert (SCREENING, "B5", "spaces", "胡明") in got
    assert any(n.sheet == "住户" and n.cell == "D2" for n in reg.normalisations)
    assert reg.sheets[SCREENING].values("姓名")[2] == "胡明"
    rows = [n.row for n in reg.normalisations if n.sheet == SCREENING]
    assert rows == sorted(rows)  # listed in reading order


def test_id_typed_as_a_number_stays_a_number(tmp_path: Path, clean_book: Book,
                                             config: Config) -> None:
    set_cell(clean_book, SCREENING, 1, "身份证号", 5.30629198005170e17)
    reg = read_register(write_workbook(tmp_path / "x.xlsx", clean_book), config)
    value = reg.sheets[SCREENING].values("身份证号")[0]
    assert isinstance(value, float) and value == 5.30629198005170e17


def test_legacy_xls_file(config: Config) -> None:
    """An .xls saved by an older office (a title row, a full-width phone)."""
    reg = read_register(DATA / "legacy_office_register.xls", config)
    assert (reg.township, reg.report_date) == ("双河乡", dt.date(2020, 2, 4))
    sheet = reg.sheets[SCREENING]
    assert (sheet.header_row, sheet.rows) == (2, [3, 4, 5])
    assert sheet.values("联系电话")[0] == "13612340011"
    assert sheet.values("抵威日期")[2] == dt.date(2020, 2, 1)
    assert [(n.cell, n.kind) for n in reg.normalisations] == [("E3", "full-width")]


def test_raw_book_from_a_live_workbook_uses_none_for_empty_cells(config: Config) -> None:
    """macros/ turn a live Excel workbook into a RawBook (None for empty cells)."""
    book = clean_register()
    sheets = []
    for name, rows in book.items():
        grid = [[None, None]] + [[None, *row] for row in rows] + [[None] * (len(rows[0]) + 1)]
        sheets.append(RawSheet(name=name, rows=grid, first_row=3, first_col=1))
    reg = build_register(RawBook(source="excel:扎西镇_20200204.xlsx", sheets=sheets), config)
    sheet = reg.sheets[SCREENING]
    assert (sheet.header_row, sheet.rows) == (4, [5, 6, 7])
    assert sheet.cell("序号", 0) == "C5"
    assert reg.township == "扎西镇"


# --- unusable input: one sentence naming the file and what to do ------------------------

def _one_sentence(message: str, file_name: str) -> None:
    assert file_name in message
    assert message.endswith("。") and message.count("。") == 1
    assert "Traceback" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(tmp_path / "扎西镇_20200204.xlsx")
    _one_sentence(exc.value.message, "扎西镇_20200204.xlsx")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "空文件"),
        (b"\xe5\xa7\x93\xe5\x90\x8d,\xe6\x80\xa7\xe5\x88\xab\n", "不是能打开的Excel工作簿"),
        (b"PK\x03\x04" + b"\x00" * 40, "不是能打开的Excel工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
         + "EncryptedPackage".encode("utf-16-le"), "密码"),
    ],
    ids=["zero-bytes", "csv-renamed", "broken-zip", "encrypted-ole"],
)
def test_not_a_workbook(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "扎西镇_20200204.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(path)
    assert not isinstance(exc.value, StructureError)
    assert words in exc.value.message
    _one_sentence(exc.value.message, path.name)


def test_excel_owner_file_is_named_for_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "~$扎西镇_20200204.xlsx"
    path.write_bytes(b"\x06wangli" + b"\x00" * 150)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(path)
    assert "临时文件" in exc.value.message
    _one_sentence(exc.value.message, path.name)


def test_truncated_xlsx(tmp_path: Path, clean_file: Path) -> None:
    data = clean_file.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(path)
    _one_sentence(exc.value.message, "truncated.xlsx")


def test_xlsx_without_worksheets(tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(path)
    _one_sentence(exc.value.message, "odd.xlsx")


def test_password_protected_workbook() -> None:
    protected = None
    for base in (Path(__file__).parents[2] / "shared", Path("/work/shared")):
        if (base / "corpus/wild-xlsx/pass_protected.xlsx").is_file():
            protected = base / "corpus/wild-xlsx/pass_protected.xlsx"
            break
    if protected is None:
        pytest.skip("the wild corpus is not beside the clone")
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(protected)
    assert "密码" in exc.value.message
    _one_sentence(exc.value.message, "pass_protected.xlsx")


def test_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "扎西镇_20200204.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(path)
    assert "空的" in exc.value.message
    _one_sentence(exc.value.message, path.name)


def test_missing_required_sheet_is_named_with_the_sheets_found(tmp_path: Path, clean_book: Book,
                                                               config: Config) -> None:
    del clean_book["卡点值守"]
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    with pytest.raises(StructureError) as exc:
        read_register(path, config)
    message = exc.value.message
    assert "“卡点值守”" in message and "“排查登记”" in message and "“队伍”" in message
    _one_sentence(message, path.name)


def test_workbook_that_is_no_register(tmp_path: Path, config: Config) -> None:
    path = write_workbook(tmp_path / "工资表.xlsx", {"Sheet1": [["姓名", "工资"], ["王丽", 3000]]})
    with pytest.raises(StructureError) as exc:
        read_register(path, config)
    assert "不是网格化管理登记表" in exc.value.message and "“Sheet1”" in exc.value.message
    _one_sentence(exc.value.message, path.name)


def test_missing_required_column_names_sheet_and_column(tmp_path: Path, clean_book: Book,
                                                        config: Config) -> None:
    for row in clean_book[SCREENING]:
        del row[3]  # 身份证号
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book,
                          title_rows={SCREENING: [["排查登记表"]]})
    with pytest.raises(StructureError) as exc:
        read_register(path, config)
    message = exc.value.message
    assert "“排查登记”工作表" in message and "“身份证号”列" in message
    _one_sentence(message, path.name)


def test_no_header_row(tmp_path: Path, clean_book: Book, config: Config) -> None:
    clean_book["队伍"] = [["河坝村党员志愿服务队", "党员志愿服务队", 15, 15, "陈刚"]]
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    with pytest.raises(StructureError) as exc:
        read_register(path, config)
    assert "表头" in exc.value.message and "“队伍”" in exc.value.message
    _one_sentence(exc.value.message, path.name)


@pytest.mark.parametrize("group_above", [True, False], ids=["names-on-top", "names-below"])
def test_two_level_header_with_merged_group_cells(tmp_path: Path, clean_book: Book,
                                                  config: Config, group_above: bool) -> None:
    """观察情况 merged over 观察起始日期 / 观察解除日期, other headers merged down two rows."""
    rows = clean_book[SCREENING]
    header = rows[0]
    top = [("观察情况" if c == "观察起始日期" else None if c == "观察解除日期" else c)
           for c in header]
    sub = [c if c in ("观察起始日期", "观察解除日期") else None for c in header]
    if not group_above:  # most names on the lower row, only the group on top
        top, sub = ([None] * 12 + ["观察情况", None, None, None],
                    [c for c in header])
    clean_book[SCREENING] = [top, sub, *rows[1:]]
    path = write_workbook(tmp_path / "扎西镇_20200204.xlsx", clean_book)
    reg = read_register(path, config)
    sheet = reg.sheets[SCREENING]
    assert sheet.rows == [3, 4, 5]
    assert sheet.cell("观察起始日期", 0) == "M3"
    assert sheet.values("观察解除日期")[0] == dt.date(2020, 2, 3)
    assert sheet.values("姓名")[0] == "马小军"
    assert reg.findings == []


def test_xls_renamed_to_xlsx_is_read_by_its_content(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "双河乡_20200204.xlsx"
    path.write_bytes((DATA / "legacy_office_register.xls").read_bytes())
    reg = read_register(path, config)
    assert reg.township == "双河乡" and len(reg.sheets[SCREENING]) == 3


@pytest.mark.parametrize("stray_column", [20, 400])  # flattened sheet / very wide sheet
def test_blank_and_totals_rows_skipped_in_narrow_and_very_wide_sheets(
        tmp_path: Path, clean_book: Book, config: Config, stray_column: int) -> None:
    book = copy_book(clean_book)
    rows = book["住户"]
    rows.insert(2, [None] * len(rows[0]))  # a blank row between H001 and H002
    rows.append(["合计", None, None, None, None, 12])
    rows[1] = [*rows[1], *[None] * (stray_column - len(rows[1])), "备忘"]  # a stray note
    reg = read_register(write_workbook(tmp_path / "扎西镇_20200204.xlsx", book), config)
    sheet = reg.sheets["住户"]
    assert sheet.rows == [2, 4, 5]
    assert sheet.values("户编号") == ["H001", "H002", "H003"]
    assert sheet.values("家庭人口数") == [4, 3, 5]
    assert sheet.cell("家庭人口数", 2) == "F5"


def test_a_file_that_cannot_be_opened_is_explained_in_chinese(
        clean_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(UnreadableWorkbook) as exc:
        read_raw(clean_file)
    assert "没有访问权限,或文件正在Excel中打开" in exc.value.message
    assert "Permission denied" not in exc.value.message


def test_only_a_workbook_with_a_part_per_sheet_is_parsed_side_by_side(
        tmp_path: Path, clean_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine reads a whole .xls or .ods when it opens one, so a second thread would only
    read it twice: those are parsed on one thread, an .xlsx on the threads given."""
    from toolkit.config.limits import Limits
    from toolkit.read import raw

    monkeypatch.setattr(raw, "_THREADS_FROM", 0)
    raw_threads = raw._parse_threads
    raw.parse_sheets_on(2)
    try:
        ods = tmp_path / "odf.ods"
        with zipfile.ZipFile(ods, "w") as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", "<office:document-content/>")
        legacy = Path(__file__).parent / "data" / "legacy_office_register.xls"
        assert [raw._threads_for(p, Limits()) for p in (clean_file, ods, legacy)] == [2, 1, 1]
    finally:
        raw.parse_sheets_on(raw_threads)
