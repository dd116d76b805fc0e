"""The annotated copy's fast path: edit the ``.xlsx`` package directly.

openpyxl needs minutes to load and save a 40,000-row register; this path copies every part
unchanged except the sheets with problems (a style index per problem cell, a comments part
and its VML drawing), ``styles.xml`` (two fills and cloned cell formats), the workbook (the
检查结果 sheet first) and the content types. Anything it does not expect (existing comments,
cells without addresses, a problem row with no cell…) makes :func:`fast_copy` return False
and the copy is made with openpyxl instead (:mod:`.workbook`).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import unescape as xml_unescape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..files import replace_file
from ..findings import ERROR
from ..read.table import column_index, column_letter
from .content import (
    AUTHOR,
    ERROR_COLOR,
    LINK_COLUMN,
    RESULT_SHEET,
    WARNING_COLOR,
    Annotation,
    ResultSheet,
    location,
)

Build = Callable[[list[str]], Annotation]  # the annotation for the workbook's sheet names

_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_AFTER_LEGACY = ("<legacyDrawingHF", "<drawingHF", "<picture", "<oleObjects", "<controls",
                 "<webPublishItems", "<tableParts", "<extLst", "</worksheet>")
_ROW_RE_B = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>')
_ROW_TAG_B = re.compile(rb'<row\b[^>]*?(/?)>')
_CELL_RE = re.compile(r'<c\b([^>]*?)(/>|>.*?</c>)', re.DOTALL)
_ATTR_R = re.compile(r'\br="([A-Z]+)(\d+)"')
_ATTR_S = re.compile(r'\bs="(\d+)"')
_XF_RE = re.compile(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.DOTALL)
_CELLREF = re.compile(r"([A-Z]+)(\d+)")


def _esc(text: object) -> str:
    return xml_escape(ILLEGAL_CHARACTERS_RE.sub("", str(text)), {'"': "&quot;"})


class _Styles:
    """styles.xml with the fills, fonts and cell formats the annotation adds."""

    def __init__(self, xml: str) -> None:
        self.xml = xml
        fills = re.search(r'<fills count="(\d+)"[^>]*>', xml)
        xfs = re.search(r'<cellXfs count="(\d+)"[^>]*>(.*?)</cellXfs>', xml, re.DOTALL)
        fonts = re.search(r'<fonts count="(\d+)"[^>]*>', xml)
        if not (fills and xfs and fonts) or "</fills>" not in xml or "</fonts>" not in xml:
            raise ValueError("unexpected styles.xml")
        self.xfs = _XF_RE.findall(xfs.group(2))
        self.base_xfs = len(self.xfs)
        self.fill_base = int(fills.group(1))
        self.font_base = int(fonts.group(1))
        self.cache: dict[tuple[int, str], int] = {}

    def with_fill(self, style: int, severity: str) -> int:
        key = (style, severity)
        if key not in self.cache:
            xf = self.xfs[style] if style < self.base_xfs else self.xfs[0]
            fill = self.fill_base + (0 if severity == ERROR else 1)
            xf = re.sub(r'\sfillId="\d+"', "", xf)
            xf = re.sub(r'\sapplyFill="\d"', "", xf)
            xf = re.sub(r"^<xf\b", f'<xf fillId="{fill}" applyFill="1"', xf)
            self.xfs.append(xf)
            self.cache[key] = len(self.xfs) - 1
        return self.cache[key]

    def plain(self, kind: str) -> int:
        """A cell format of the 检查结果 sheet."""
        key = (-1, kind)
        if key not in self.cache:
            bold, link = self.font_base, self.font_base + 1
            title = self.font_base + 2
            attrs = {
                "bold": f'numFmtId="0" fontId="{bold}" fillId="0" borderId="0" applyFont="1"',
                "title": f'numFmtId="0" fontId="{title}" fillId="0" borderId="0" applyFont="1"',
                "link": f'numFmtId="0" fontId="{link}" fillId="0" borderId="0" applyFont="1"',
                "date": 'numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"',
                "datetime": 'numFmtId="22" fontId="0" fillId="0" borderId="0" '
                            'applyNumberFormat="1"',
                "error": f'numFmtId="0" fontId="0" fillId="{self.fill_base}" borderId="0" '
                         'applyFill="1"',
                "warning": f'numFmtId="0" fontId="0" fillId="{self.fill_base + 1}" '
                           'borderId="0" applyFill="1"',
            }
            if kind == "wrap":
                xf = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" '
                      'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>')
            else:
                xf = f'<xf {attrs[kind]} xfId="0"/>'
            self.xfs.append(xf)
            self.cache[key] = len(self.xfs) - 1
        return self.cache[key]

    def render(self) -> str:
        xml = self.xml
        fills = (f'<fill><patternFill patternType="solid"><fgColor rgb="{ERROR_COLOR}"/>'
                 f'<bgColor indexed="64"/></patternFill></fill>'
                 f'<fill><patternFill patternType="solid"><fgColor rgb="{WARNING_COLOR}"/>'
                 f'<bgColor indexed="64"/></patternFill></fill>')
        fonts = ('<font><b/><sz val="11"/></font>'
                 '<font><u/><sz val="11"/><color rgb="FF0563C1"/></font>'
                 '<font><b/><sz val="14"/></font>')
        xml = re.sub(r'<fills count="\d+"', f'<fills count="{self.fill_base + 2}"', xml, count=1)
        xml = xml.replace("</fills>", fills + "</fills>", 1)
        xml = re.sub(r'<fonts count="\d+"', f'<fonts count="{self.font_base + 3}"', xml,
                     count=1)
        xml = xml.replace("</fonts>", fonts + "</fonts>", 1)
        return re.sub(r'<cellXfs count="\d+"[^>]*>.*?</cellXfs>',
                      lambda _m: f'<cellXfs count="{len(self.xfs)}">{"".join(self.xfs)}'
                                 f"</cellXfs>", xml, count=1, flags=re.DOTALL)


def _part(base: str, target: str) -> str:
    """A relationship target as a package part name (no leading slash)."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_name(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _col_styles(xml: str) -> dict[int, int]:
    """1-based column -> the style a <col> gives its empty cells."""
    out: dict[int, int] = {}
    head = xml[:xml.find("<sheetData")]
    for m in re.finditer(r"<col\b([^>]*)/?>", head):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "style" in attrs:
            for c in range(int(attrs.get("min", 1)), int(attrs.get("max", 1)) + 1):
                out[c] = int(attrs["style"])
    return out


Edit = tuple[int, int, bytes]  # (start, end, replacement) in a part's bytes


class _Spliced:
    """A part's original bytes with edits, written out piece by piece (a county register's
    sheet is never decoded or copied as a whole)."""

    def __init__(self, raw: bytes, edits: list[Edit]) -> None:
        self.raw, self.edits = raw, sorted(edits)
        self.size = len(raw) + sum(len(b) - (e - s) for s, e, b in edits)

    @property
    def sound(self) -> bool:
        """The edits do not overlap."""
        return all(a[1] <= b[0] for a, b in zip(self.edits, self.edits[1:], strict=False))

    def pieces(self) -> list[bytes | memoryview]:
        view = memoryview(self.raw)
        out: list[bytes | memoryview] = []
        pos = 0
        for start, end, new in self.edits:
            out += [view[pos:start], new]
            pos = end
        out.append(view[pos:])
        return out


def _mark_sheet(raw: bytes, cells: dict[str, tuple[str, str]], styles: _Styles
                ) -> list[Edit] | None:
    """The edits that give every problem cell (ref -> (severity, comment)) its fill; None
    when the sheet holds something this path does not handle. Each problem row is found
    by its tag (rows come in order), the regular expression over every row is only for a
    file whose rows do not."""
    by_row: dict[int, dict[str, str]] = {}
    for ref, (severity, _text) in cells.items():
        m = _CELLREF.fullmatch(ref)
        if m is None:
            return None
        by_row.setdefault(int(m.group(2)), {})[m.group(1)] = severity
    start, end = raw.find(b"<sheetData"), raw.find(b"</sheetData>")
    if start < 0 or end < 0:  # no rows, or <sheetData/>
        return None
    col_style = _col_styles(raw[:start].decode("utf-8"))
    found: dict[int, int] = {}
    cursor = start
    for row in sorted(by_row):
        at = raw.find(b'<row r="%d"' % row, cursor, end)
        if at < 0:
            found = {}
            break
        found[row] = cursor = at
    if not found:  # rows not in order, or the address not the tag's first attribute
        found = {int(m.group(1)): m.start() for m in _ROW_RE_B.finditer(raw, start, end)
                 if int(m.group(1)) in by_row}
    if set(by_row) - set(found):  # a problem row with no cell at all: leave it to openpyxl
        return None
    edits: list[Edit] = []
    for row, at in found.items():
        t = _ROW_TAG_B.match(raw, at)
        if t is None:
            return None
        closed = bool(t.group(1))
        close = t.end() if closed else raw.find(b"</row>", t.end())
        if close < 0:
            return None
        tag = t.group(0).decode("utf-8")
        row_tag = tag[:-2] + ">" if closed else tag
        row_tag = re.sub(r'\sspans="[^"]*"', "", row_tag)  # a cell may be added outside
        body = "" if closed else raw[t.end():close].decode("utf-8")
        new_body = _mark_row(body, row, by_row[row], styles, col_style)
        if new_body is None:
            return None
        edits.append((at, close if closed else close + len(b"</row>"),
                      (row_tag + new_body + "</row>").encode("utf-8")))
    return edits


def _mark_row(body: str, row: int, targets: dict[str, str], styles: _Styles,
              col_style: dict[int, int]) -> str | None:
    out: list[str] = []
    pos = 0
    todo = dict(targets)
    for m in _CELL_RE.finditer(body):
        attrs = m.group(1)
        ref = _ATTR_R.search(attrs)
        if ref is None:
            return None
        col = ref.group(1)
        index = column_index(col)
        # cells of the targets that come before this one and are missing: insert them
        for missing in sorted((c for c in todo if column_index(c) < index), key=column_index):
            out.append(body[pos:m.start()])
            pos = m.start()
            style = styles.with_fill(col_style.get(column_index(missing) + 1, 0), todo[missing])
            out.append(f'<c r="{missing}{row}" s="{style}"/>')
            del todo[missing]
        if col in todo:
            s = _ATTR_S.search(attrs)
            style = styles.with_fill(int(s.group(1)) if s else 0, todo.pop(col))
            new_attrs = (_ATTR_S.sub(f's="{style}"', attrs, count=1) if s
                         else f'{attrs} s="{style}"')
            out.append(body[pos:m.start()])
            out.append(f"<c{new_attrs}{m.group(2)}")
            pos = m.end()
    out.append(body[pos:])
    for missing in sorted(todo, key=column_index):
        style = styles.with_fill(col_style.get(column_index(missing) + 1, 0), todo[missing])
        out.append(f'<c r="{missing}{row}" s="{style}"/>')
    return "".join(out)


def _comments_xml(cells: dict[str, tuple[str, str]]) -> str:
    items = "".join(
        f'<comment ref="{ref}" authorId="0"><text><r><t xml:space="preserve">{_esc(text)}'
        f"</t></r></text></comment>" for ref, (_sev, text) in cells.items())
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{_MAIN}"><authors><author>{AUTHOR}</author></authors>'
            f"<commentList>{items}</commentList></comments>")


def _vml(cells: dict[str, tuple[str, str]], block: int) -> tuple[str, int]:
    """The VML drawing Excel needs to show comments; returns it and the blocks used."""
    blocks = max(1, -(-len(cells) // 1024))
    shapes = []
    for k, ref in enumerate(cells):
        m = _CELLREF.fullmatch(ref)
        assert m is not None
        col, row = column_index(m.group(1)), int(m.group(2)) - 1
        shapes.append(
            f'<v:shape id="_x0000_s{block * 1024 + k + 1}" type="#_x0000_t202" '
            'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:240pt;'
            'height:100pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
            '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col + 1}, 15, {row}, 10, {col + 5}, 15, {row + 6}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column>"
            "</x:ClientData></v:shape>")
    data = ",".join(str(block + i) for i in range(blocks))
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" '
            'xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
            'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
            '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            + "".join(shapes) + "</xml>"), blocks


def _legacy_drawing(raw: bytes, rid: str) -> list[Edit] | None:
    """The edits that give a sheet its comments' drawing (and the relationships'
    namespace on its root when missing)."""
    root = raw.find(b"<worksheet")
    root_end = raw.find(b">", root)
    if root < 0 or root_end < 0:
        return None
    edits: list[Edit] = []
    if f'xmlns:r="{_NS_R}"'.encode() not in raw[root:root_end]:
        edits.append((root_end, root_end, f' xmlns:r="{_NS_R}"'.encode()))
    tail = raw.rfind(b"</sheetData>")
    at = min(i for i in (raw.find(tag.encode(), tail) for tag in _AFTER_LEGACY) if i >= 0)
    edits.append((at, at, f'<legacyDrawing r:id="{rid}"/>'.encode()))
    return edits


def _unselect(raw: bytes) -> list[Edit]:
    """Edits that unselect the sheet's tab (only the 检查结果 tab is selected)."""
    edits: list[Edit] = []
    at = raw.find(b'tabSelected="1"', 0, 4096)
    while at >= 0:
        edits.append((at, at + 15, b'tabSelected="0"'))
        at = raw.find(b'tabSelected="1"', at + 15, 4096)
    return edits


def _add_rels(existing: str | None, rels: list[tuple[str, str, str]]) -> str:
    items = "".join(f'<Relationship Id="{i}" Type="{_REL}{t}" Target="{target}"/>'
                    for i, t, target in rels)
    if existing is None:
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f"{items}</Relationships>")
    return existing.replace("</Relationships>", items + "</Relationships>", 1)


def _result_xml(content: ResultSheet, styles: _Styles) -> str:
    rows: dict[int, list[str]] = {}
    links = content.links
    for (r, c), (value, kind) in sorted(content.cells.items()):
        ref = f"{column_letter(c - 1)}{r}"
        style = f' s="{styles.plain(kind)}"' if kind else ""
        if value is None or value == "":
            xml = f'<c r="{ref}"{style}/>' if kind else ""
        elif isinstance(value, bool):
            xml = f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, int | float):
            xml = f'<c r="{ref}"{style}><v>{value}</v></c>'
        elif isinstance(value, dt.date):
            moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(
                value, dt.time())
            serial = (moment - dt.datetime(1899, 12, 30)).total_seconds() / 86400
            xml = f'<c r="{ref}"{style}><v>{serial}</v></c>'
        else:
            xml = (f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
                   f"{_esc(value)}</t></is></c>")
        if xml:
            rows.setdefault(r, []).append(xml)
    heights = content.heights()
    data = "".join(
        f'<row r="{r}" ht="{heights[r]}" customHeight="1">{"".join(cs)}</row>' if r in heights
        else f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(content.widths, start=1))
    link_col = column_letter(LINK_COLUMN - 1)
    link_xml = "".join(f'<hyperlink ref="{link_col}{r}" location="{_esc(location(sheet, ref))}" '
                       f'display="{_esc(ref)}"/>' for r, sheet, ref in links)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_NS_R}">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews>'
            '<sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
            f"<sheetData>{data}</sheetData>"
            + (f"<hyperlinks>{link_xml}</hyperlinks>" if links else "")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
              'footer="0.3"/>'
              # printable: landscape, one page wide
              '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
              'fitToHeight="0"/></worksheet>')


def _attrs(tag: str) -> dict[str, str]:
    return {k: xml_unescape(v, {"&quot;": '"'}) for k, v in re.findall(r'([\w:]+)="([^"]*)"', tag)}


def fast_copy(source: Path, out: Path, build: Build) -> bool:
    """Write the annotated copy by editing the package; False when this path cannot.
    ``build(sheet names)`` gives the annotation for the workbook's sheets."""
    try:
        with zipfile.ZipFile(source) as zin:
            ok = _fast_write(zin, out, build)
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError, IndexError):
        ok = False
    return ok


def _fast_write(zin: zipfile.ZipFile, out: Path, build: Build) -> bool:
    names_in_zip = set(zin.namelist())

    def read(name: str) -> str:
        return zin.read(name).decode("utf-8")

    wb_xml, wb_rels, types = (read("xl/workbook.xml"), read("xl/_rels/workbook.xml.rels"),
                              read("[Content_Types].xml"))
    targets = {a["Id"]: a for a in map(_attrs, re.findall(r"<Relationship\b[^>]*>", wb_rels))}
    sheet_part: dict[str, str] = {}
    sheet_ids: list[int] = []
    for tag in re.findall(r"<sheet\b[^>]*>", wb_xml):
        a = _attrs(tag)
        rid = a.get("r:id")
        if rid is None or rid not in targets:
            return False
        sheet_part[a["name"]] = _part("xl/workbook.xml", targets[rid]["Target"])
        sheet_ids.append(int(a.get("sheetId", "0")))
    if RESULT_SHEET in sheet_part or "<sheets>" not in wb_xml:
        return False
    style_rel = next((a for a in targets.values() if a["Type"].endswith("/styles")), None)
    if style_rel is None:
        return False
    styles_part = _part("xl/workbook.xml", style_rel["Target"])
    styles = _Styles(read(styles_part))
    annotation = build(list(sheet_part))
    new_parts: dict[str, str] = {}
    overrides: list[tuple[str, str]] = []
    block = 1
    sheets: dict[str, _Spliced] = {}  # the sheets' parts, edited where they stand
    for n, (sheet_name, marks) in enumerate(annotation.by_sheet().items(), start=1):
        cells: dict[str, tuple[str, str]] = {m.cell: (m.severity, m.note) for m in marks}
        part = sheet_part[sheet_name]
        raw = zin.read(part)
        rels_name = _rels_name(part)
        existing = read(rels_name) if rels_name in names_in_zip else None
        if b"<legacyDrawing" in raw or (existing is not None and "/comments" in existing):
            return False  # comments already there: openpyxl merges them
        marked = _mark_sheet(raw, cells, styles)
        drawing = _legacy_drawing(raw, "rIdGridkitVml")
        if marked is None or drawing is None:
            return False
        sheets[part] = _Spliced(raw, marked + drawing + _unselect(raw))
        comments = f"xl/gridkit_comments{n}.xml"
        vml = f"xl/drawings/gridkit_vmlDrawing{n}.vml"
        rel = posixpath.relpath
        new_parts[rels_name] = _add_rels(existing, [
            ("rIdGridkitVml", "vmlDrawing", rel(vml, posixpath.dirname(part))),
            ("rIdGridkitComments", "comments", rel(comments, posixpath.dirname(part)))])
        new_parts[comments] = _comments_xml(cells)
        new_parts[vml], used = _vml(cells, block)
        block += used
        overrides.append((comments, _CT_COMMENTS))
    result_part = "xl/worksheets/gridkit_result.xml"
    new_parts[result_part] = _result_xml(annotation.result, styles)
    overrides.append((result_part, _CT_SHEET))
    new_parts[styles_part] = styles.render()
    new_parts["xl/_rels/workbook.xml.rels"] = _add_rels(
        wb_rels, [("rIdGridkitResult", "worksheet", posixpath.relpath(result_part, "xl"))])
    r_prefix = "" if f'xmlns:r="{_NS_R}"' in wb_xml else f' xmlns:r="{_NS_R}"'
    sheet_tag = (f'<sheet name="{RESULT_SHEET}" sheetId="{max(sheet_ids, default=0) + 1}"'
                 f'{r_prefix} r:id="rIdGridkitResult"/>')
    wb_xml = wb_xml.replace("<sheets>", "<sheets>" + sheet_tag, 1)
    wb_xml = re.sub(r'localSheetId="(\d+)"', lambda m: f'localSheetId="{int(m[1]) + 1}"',
                    wb_xml)
    wb_xml = re.sub(r'\s(activeTab|firstSheet)="\d+"', "", wb_xml)
    new_parts["xl/workbook.xml"] = wb_xml
    extra = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides)
    if 'Extension="vml"' not in types:
        extra += f'<Default Extension="vml" ContentType="{_CT_VML}"/>'
    new_parts["[Content_Types].xml"] = types.replace("</Types>", extra + "</Types>", 1)
    for part in sheet_part.values():  # only the 检查结果 tab is selected
        if part not in sheets and part in names_in_zip:
            with zin.open(part) as fh:
                head = fh.read(4096)
            if b'tabSelected="1"' in head:
                sheets[part] = _Spliced(zin.read(part), _unselect(head))
    if not all(sheet.sound for sheet in sheets.values()):
        return False

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                name = info.filename
                sheet = sheets.pop(name, None)
                if sheet is not None:  # streamed, piece by piece
                    zout.compresslevel = _level(sheet.size)
                    with zout.open(name, "w", force_zip64=sheet.size > 1 << 31) as fh:
                        for piece in sheet.pieces():
                            fh.write(piece)
                    continue
                data = (new_parts.pop(name).encode("utf-8") if name in new_parts
                        else zin.read(name))
                zout.writestr(name, data, compresslevel=_level(len(data)))
            for name, text in new_parts.items():
                zout.writestr(name, text.encode("utf-8"))
    replace_file(out, write)
    return True


def _level(size: int) -> int:
    """Deflate level: 1 for a large part (a register's sheet), zlib's 6 for the rest."""
    return 1 if size > 1 << 20 else 6
