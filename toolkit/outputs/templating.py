"""Finding, loading and rendering the report templates (Jinja2).

Office staff edit the templates without touching Python. A template is looked up first in
the county's templates folder (``[paths] templates`` in the county file when set, else
``templates/`` beside the county file or the current folder), then in the copy shipped inside
the package (``toolkit/outputs/templates/``), one file at a time: a county may override only
``briefing.txt.j2`` and keep the shipped HTML.

Any problem in a template (syntax, an unknown variable, a filter applied to the wrong value)
becomes :class:`toolkit.errors.TemplateError` with one Chinese sentence naming the template
file and the line.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from ..config.county import Config
from ..errors import TemplateError
from . import numbers, wording

PACKAGE_TEMPLATES = Path(__file__).with_name("templates")
TEMPLATES_FOLDER = "templates"


def templates_dir(config: Config) -> Path:
    """The county's own templates folder (it may not exist: then the shipped ones are used)."""
    configured = getattr(config.paths, "templates", None)
    if configured is not None:
        return Path(configured)
    return config.base_dir / TEMPLATES_FOLDER


def make_environment(config: Config) -> jinja2.Environment:
    return environment(templates_dir(config))


def environment(own: Path, shipped: Path | Sequence[Path] = PACKAGE_TEMPLATES
                ) -> jinja2.Environment:
    """Templates looked up in ``own`` (when it exists), then in ``shipped`` (one folder, or
    several in turn), with the report's filters (numbers, wording) and strict variables."""
    loaders: list[jinja2.BaseLoader] = []
    if own.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(own), encoding="utf-8"))
    for folder in [shipped] if isinstance(shipped, Path) else shipped:
        loaders.append(jinja2.FileSystemLoader(str(folder), encoding="utf-8"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        keep_trailing_newline=True,
    )
    env.filters.update(numbers.FILTERS)
    env.filters.update(wording.FILTERS)
    return env


def load(env: jinja2.Environment, name: str) -> jinja2.Template:
    """Template ``name``; a missing or unparsable one is one TemplateError sentence."""
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or name
        raise TemplateError(
            f"报告模板 {where} 第 {exc.lineno} 行写法有误({_reason(exc)}),"
            f"请改正该行后重新生成日报。") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"找不到报告模板 {name}:请把它放进模板文件夹或删除同名的空文件。") from exc


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template ``name``; every template problem becomes one TemplateError sentence."""
    template = load(env, name)
    try:
        return template.render(context)
    except jinja2.UndefinedError as exc:
        filename, line = _template_line(exc, template)
        raise TemplateError(
            f"报告模板 {filename} 第 {line} 行用到了不存在的变量({_reason(exc)}),"
            f"请对照模板开头列出的变量改正。") from exc
    except Exception as exc:  # a filter on a wrong value, a division by zero in a template
        filename, line = _template_line(exc, template)
        raise TemplateError(
            f"报告模板 {filename} 第 {line} 行无法生成({type(exc).__name__}: {exc}),"
            f"请改正该行后重新生成日报。") from exc


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc).replace("'", "")


def _template_line(exc: BaseException, template: jinja2.Template) -> tuple[str, int | str]:
    """The template file and line an error was raised at: Jinja2 rewrites the traceback so
    that template frames carry the template's file name and line."""
    filename = template.filename or template.name or "?"
    line: int | str = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == template.filename or frame.filename == template.name:
            line = frame.lineno or "?"
    return filename, line
