"""Click's own words in Chinese: 'Usage:', 'Options', 'Missing argument', 'No such command',
'Try ... for help' and every other message click prints.

Click translates its messages with ``gettext``, but binds the functions when it is imported
(``from gettext import gettext as _`` and ``ngettext`` in each of its modules), and a
compiled catalogue would be found only under a Chinese locale (the office PC's console
usually names none). So :func:`install` puts :class:`ClickChinese` (a dict-based
``gettext.NullTranslations``) in place of those two names in click's modules; a message it
does not know is shown as click wrote it. ``tests/test_cli_chinese.py`` holds the catalogue
against the ``_()`` and ``ngettext()`` calls of the installed click, so an upgrade that adds
a message fails a test instead of printing English.

Click measures help text in characters; a Chinese character takes two columns of a console,
so :class:`HelpFormatter` wraps and aligns by display width instead (and joins the lines of
a Chinese paragraph without the space click puts between them). Commands get it through
:class:`Context`.
"""

from __future__ import annotations

import gettext
import importlib
import re
import sys
from collections.abc import Iterable

import click

from ..width import display_width, is_wide

# click's message -> Chinese (placeholders kept: click formats the translation it gets)
MESSAGES: dict[str, str] = {
    # usage and help pages
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助后退出。",
    "Show the version and exit.": "显示版本号后退出。",
    "%(prog)s, version %(version)s": "%(prog)s,版本 %(version)s",
    "default: {default}": "默认:{default}",
    "env var: {var}": "环境变量:{var}",
    "required": "必填",
    "(dynamic)": "(运行时决定)",
    "deprecated": "已停用",
    "Try '{command} {option}' for help.": "输入“{command} {option}”查看帮助。",
    # errors
    "Error: {message}": "错误:{message}",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有“{name}”这个命令。",
    "No such option {name!r}.": "没有“{name}”这个选项。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数:{param_name}",
    "Invalid value: {message}": "值无效:{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效:{message}",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”:{message}",
    "Value must be an iterable.": "值应为多个值的列表。",
    "Option {name!r} does not take a value.": "选项“{name}”后面不能跟值。",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效({option})",
    "Choose from:\n\t{choices}": "可选:\n\t{choices}",
    "Choice({choices})": "Choice({choices})",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "“{value}”不是有效的是/否值,可写:{states}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的UUID。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是一个文件,这里要的是文件夹。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是一个文件夹,这里要的是文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”没有读取权限。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”没有写入权限。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不能执行。",
    "Unknown standard stream '{name}'": "未知的标准流“{name}”",
    "Unknown color {colour!r}": "未知的颜色“{colour}”",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "提示:命令“{name}”已停用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "提示:{param_type}“{name}”已停用。{extra_message}",
    # prompts
    "Do you want to continue?": "要继续吗?",
    "Confirm the action without prompting.": "不再询问,直接确认。",
    "Repeat for confirmation": "请再输入一次以确认",
    "Error: The two entered values do not match.": "错误:两次输入的不一致。",
    "Error: invalid input": "错误:输入无效",
    "Press any key to continue...": "按任意键继续……",
    "d": "天",
    "{editor}: Editing failed": "{editor}:编辑失败",
    "{editor}: Editing failed: {e}": "{editor}:编辑失败:{e}",
    "Windows error: {error}": "Windows 错误:{error}",
    # mistakes in a program's own declarations (never the office's): shown as click wrote
    # them, listed so the catalogue test knows they were not forgotten
    "Could not determine name for option with declarations {decls!r}":
        "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument"
    " instead? Did you mean to pass '--{name}'?":
        "No options defined but a name was passed ({name}). Did you mean to declare an"
        " argument instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Name '{name}' defined twice": "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "Shell completion is not supported for Bash versions older than 4.4.",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Couldn't detect Bash version, shell completion is not supported.",
}

# (singular, plural) -> Chinese (one form; click formats it with every placeholder)
PLURALS: dict[tuple[str, str], str] = {
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "您要的是不是 {possibilities}?",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        "多出了参数({args})",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值,只给了 {len} 个。",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项“{name}”后面要写值。",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        "“{value}”不是可选的值,可选:{choices}。",
    ("{value!r} does not match the format {format}.",
     "{value!r} does not match the formats {formats}."):
        "“{value}”不符合格式 {formats}。",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        "需要 {len_type} 个值,实际给了 {len_value} 个。",
}

# click's modules that bind gettext's functions at import (_winconsole: Windows only)
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils",
                 "termui", "_termui_impl", "shell_completion",
                 *(("_winconsole",) if sys.platform == "win32" else ()))


class ClickChinese(gettext.NullTranslations):
    """Translations from :data:`MESSAGES` and :data:`PLURALS`; anything else unchanged."""

    def gettext(self, message: str) -> str:
        return MESSAGES.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = PLURALS.get((msgid1, msgid2))
        if found is not None:
            return found
        return msgid1 if n == 1 else msgid2


CATALOGUE = ClickChinese()


def install() -> None:
    """Make click's modules speak Chinese (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = CATALOGUE.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = CATALOGUE.ngettext  # type: ignore[attr-defined]


# ---------------------------------------------------------------- help pages by display width
# a line never starts with these (they stay with what is before them), nor ends with those
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’…,.;:?!)]}%")
_NO_LINE_END = frozenset("（《「『【〔“‘([{")
# click's "[默认:text]" after a help text stays whole
_TOKEN = re.compile(r"\s+|\[[^\]\n]*\]|[\x21-\x7e]+|.")


def _join_lines(lines: Iterable[str]) -> str:
    """The lines of one paragraph as one text: a space between them, except where a wide
    character meets a wide character (Chinese has no spaces between words)."""
    out = ""
    for line in lines:
        line = line.strip()
        if out and line:
            out += "" if is_wide(out[-1]) and is_wide(line[0]) else " "
        out += line
    return out


def _tokens(text: str) -> list[str]:
    """What a line may break between: spaces, ASCII words, single wide characters;
    punctuation kept with its neighbour."""
    out: list[str] = []
    carry = ""
    for t in _TOKEN.findall(text):
        if t.isspace():
            if carry:
                out.append(carry)
                carry = ""
            out.append(" ")
            continue
        t = carry + t
        carry = ""
        if t[-1] in _NO_LINE_END:
            carry = t
        elif out and out[-1] != " " and t[0] in _NO_LINE_START:
            out[-1] += t
        else:
            out.append(t)
    if carry:
        out.append(carry)
    return out


def _split_long(token: str, room: int) -> tuple[str, str]:
    """The longest head of ``token`` fitting ``room`` columns (at least one character)."""
    used, cut = 0, 0
    for i, ch in enumerate(token):
        used += display_width(ch)
        if used > room and i > 0:
            break
        cut = i + 1
    return token[:cut], token[cut:]


def fill(text: str, width: int, initial: str = "", subsequent: str = "") -> str:
    """``text`` wrapped to ``width`` columns: a break between any two Chinese characters or
    at a space between words, never before closing punctuation."""
    lines: list[str] = []
    line, used, fresh, space = initial, display_width(initial), True, False
    for token in _tokens(text):
        if token == " ":
            space = not fresh
            continue
        w = display_width(token)
        if not fresh and used + space + w > width:
            lines.append(line)
            line, used, fresh = subsequent, display_width(subsequent), True
        elif space:
            line, used = line + " ", used + 1
        space = False
        while fresh and used + w > width and len(token) > 1:  # longer than a whole line
            head, token = _split_long(token, width - used)
            lines.append(line + head)
            line, used = subsequent, display_width(subsequent)
            w = display_width(token)
        line, used, fresh = line + token, used + w, False
    lines.append(line)
    return "\n".join(x.rstrip() for x in lines)


def wrap_text(text: str, width: int, initial: str = "", subsequent: str = "") -> str:
    """click's ``wrap_text`` with paragraphs kept (a ``\\b`` line: not rewrapped), by
    display width."""
    paragraphs: list[tuple[int, bool, list[str]]] = []
    buf: list[str] = []
    indent: int | None = None

    def flush() -> None:
        if buf:
            raw = buf[0].strip() == "\b"
            paragraphs.append((indent or 0, raw, buf[1:] if raw else list(buf)))
            buf.clear()

    for line in text.expandtabs().splitlines():
        if not line.strip():
            flush()
            indent = None
            continue
        if indent is None:
            indent = len(line) - len(line.lstrip())
        buf.append(line)
    flush()
    out = []
    for extra, raw, lines in paragraphs:
        pad = " " * extra
        if raw:
            out.append("\n".join(f"{initial if k == 0 else subsequent}{pad}{x}"
                                  for k, x in enumerate(lines)))
        else:
            out.append(fill(_join_lines(lines), width, initial + pad, subsequent + pad))
    return "\n\n".join(out)


class HelpFormatter(click.HelpFormatter):
    """click's help formatter measuring text by the columns it takes on a console."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = f"{CATALOGUE.gettext('Usage:')} "
        head = f"{prefix:>{self.current_indent}}{prog} "
        if not args:
            self.write(head.rstrip(" ") + "\n")
            return
        if self.width - self.current_indent >= display_width(head) + 20:
            self.write(fill(args, self.width, head, " " * display_width(head)))
        else:
            pad = " " * (max(self.current_indent, display_width(prefix)) + 4)
            self.write(head + "\n" + fill(args, self.width, pad, pad))
        self.write("\n")

    def write_text(self, text: str) -> None:
        pad = " " * self.current_indent
        self.write(wrap_text(text, self.width, pad, pad) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((display_width(r[0]) for r in rows), default=0),
                        col_max) + col_spacing
        at = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + at)
            lines = wrap_text(second, max(self.width - first_col - 2, 10)).splitlines()
            self.write("\n".join([lines[0], *(at + x if x else x for x in lines[1:])])
                       if lines else "")
            self.write("\n")


class Context(click.Context):
    """The context of every gridkit command: help pages by :class:`HelpFormatter`."""

    formatter_class = HelpFormatter
