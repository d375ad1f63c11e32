"""The small family of fatal errors; each message tells a user what to do."""

from __future__ import annotations


class ReportError(Exception):
    """Base of every fatal problem; ``str(error)`` is a Chinese message a user can act on."""

    exit_code = 2


class InputError(ReportError):
    """The workbook (or another input file) cannot be used at all."""


class TemplateError(ReportError):
    """The DOCX template is unusable or does not fit the data."""


class RenderError(ReportError):
    """One agency's report could not be rendered; fails that agency only."""

    exit_code = 1


class OutputError(ReportError):
    """The output folder or a file in it cannot be written."""


class MailError(ReportError):
    """Sending cannot start (bad server settings, no password, login refused)."""


_OS_ERRORS = {
    "EACCES": "没有权限", "EPERM": "没有权限", "ENOSPC": "磁盘空间不足", "EEXIST": "同名的文件已存在",
    "ENOENT": "路径不存在", "ENOTDIR": "路径中有一段是文件而不是文件夹", "EISDIR": "这是一个文件夹",
    "EROFS": "磁盘是只读的", "EBUSY": "文件正被其他程序使用", "ENAMETOOLONG": "文件名太长",
    "EDQUOT": "磁盘配额已满", "EIO": "磁盘读写出错",
}


def os_error_words(exc: OSError) -> str:
    """What an operating-system error means, in Chinese (the system's own text is English)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_ERRORS.get(name, f"系统错误 {name or exc.errno}")
