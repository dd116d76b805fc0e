"""The one exception tree of gridkit.

Findings (problems inside a register) are data, see :mod:`toolkit.findings`. These exceptions
mean "cannot continue". Each carries ``message``: one sentence, in Chinese where office staff
read it, that says what is wrong and what to do. The CLI and the Excel macros turn them into
that sentence and an exit code; nothing else catches them broadly.
"""

from __future__ import annotations

import errno


class GridkitError(Exception):
    """Base of every error gridkit raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(GridkitError):
    """The command was called wrongly (bad option value, missing argument)."""

    exit_code = 2


class ConfigError(GridkitError):
    """A schema or county configuration file is invalid: names the file, the key, the reason."""

    exit_code = 2


class UnreadableWorkbook(GridkitError):
    """A file is not a workbook we can read: corrupt, encrypted, empty, not a spreadsheet."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class StructureError(UnreadableWorkbook):
    """A workbook that opens but cannot be used: a required sheet or column is missing,
    or it is another township's or another day's register. ``township`` is the township the
    file names, when the reader could tell (its submission is then that township's
    退回, never 未报); ``reading`` how far reading got (gridkit inspect shows it)."""

    def __init__(self, message: str, path: str | None = None, *,
                 township: str | None = None, reading: object = None) -> None:
        super().__init__(message, path)
        self.township = township
        self.reading = reading


class TemplateError(GridkitError):
    """A report template is broken: names the template and the line."""

    exit_code = 1


class LockBusy(GridkitError):
    """Another gridkit run holds the lock (two nightly runs at once): try again later."""

    exit_code = 3


class JobFailed(GridkitError):
    """A job step failed in a way the user must act on."""

    exit_code = 1


_OS_REASONS = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有访问权限,或文件正在Excel中打开",
    errno.EPERM: "没有访问权限",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "磁盘只读",
    errno.EISDIR: "这是一个文件夹,不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "已存在同名文件",
}


def os_reason(exc: OSError) -> str:
    """Why an operating-system call failed, in Chinese words office staff understand."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
