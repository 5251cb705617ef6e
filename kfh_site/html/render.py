"""The Jinja environment: sandboxed, autoescape on, the formatting filters, and a url
helper that keeps every link relative so the site works from any sub-path.

The sandbox because a project's templates are the project's to edit, and a template in a
shared folder should not be able to run a command on the machine that builds it
(``lipsum.__globals__``...); it refuses attributes such as ``__globals__`` and
``__subclasses__`` and leaves what templates do with stories as it was.
"""

from __future__ import annotations

import re

import functools
import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.sandbox import SandboxedEnvironment

from kfh_site.domain import slugify
from kfh_site.errors import ContentError, KfhError
from kfh_site.story.formatting import FILTERS


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, its verdict on each attribute remembered by the object's type and
    the attribute's name, the only things it depends on (jinja2.sandbox.is_internal_attribute
    looks at nothing else): asked afresh for every attribute a page reads, it took a sixth
    of the time a page takes to render."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._safe: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._safe.get(key)
        if verdict is None:
            verdict = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


def make_environment(folders: Sequence[Path]) -> jinja2.Environment:
    """One environment per build: templates from the project's folder, then the starter's."""
    env = _Sandbox(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build's templates do not change under it: not checked on every page
    )
    env.filters.update(FILTERS)
    env.filters["slug"] = lambda text: "t-" + slugify(str(text))
    env.globals["url"] = url
    return env


def relative_url(target: str, current: str) -> str:
    """``target`` (a path from the site root) as seen from the page at ``current``."""
    if "://" in target or target.startswith(("#", "mailto:")):
        return target
    if target.startswith("?") or not target.partition("#")[0]:
        target = current + target   # the page itself (with a query or fragment)
    return _relative(target, posixpath.dirname(current) or ".")


@functools.lru_cache(maxsize=65536)
def _relative(target: str, start: str) -> str:
    """Links depend only on the page's folder: worked out once per folder, not per page
    (a build of 10,000 organisation pages asks the same few hundred thousand times)."""
    path, _, fragment = target.partition("#")
    rel = posixpath.relpath(path, start)
    if path.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel + (f"#{fragment}" if fragment else "")


@pass_context
def url(context: Any, target: str) -> str:
    """Template helper: ``{{ url('regions/london.html') }}``.

    Pages served from many addresses (404.html) pass ``link_base`` and get links
    from the configured base path instead.
    """
    base = context.get("link_base")
    if base:
        return base + target.lstrip("/")
    return relative_url(target, context["page_path"])


def render(env: jinja2.Environment, template: str, **context: Any) -> str:
    """Render a template; a broken template is a user error naming file and line, whether
    it fails to compile or while it renders (``{{ "x" + 1 }}``, ``{{ 1/0 }}``)."""
    try:
        return env.get_template(template).render(**context)
    except KfhError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(f"templates/{exc.name or template}, line {exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise ContentError(f"templates/{exc.name}: template not found") from None
    except jinja2.TemplateError as exc:  # undefined names, unsafe attributes (the sandbox)
        place = _failing_line(exc, env) or f"templates/{template}"
        raise ContentError(f"{place}: {_plain(_short(exc.message or str(exc)))}") from None
    except Exception as exc:
        where = _failing_line(exc, env)
        if where is None:  # it failed in kfh-site's own code, not in a template: a bug
            raise
        raise ContentError(f"{where}: {type(exc).__name__}: {_short(str(exc))}") from None


_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^'([^']+)' has no attribute '([^']+)'$")


def _plain(message: str) -> str:
    """Jinja's words for a name a template uses but nothing gives it, in plain words:
    ``'x' is undefined`` -> ``x is not defined``."""
    undefined = _UNDEFINED.match(message)
    if undefined:
        return f"{undefined.group(1)} is not defined"
    missing = _NO_ATTRIBUTE.match(message)
    if missing:
        return f"{missing.group(2)} is not defined (a {missing.group(1)} has no {missing.group(2)})"
    return message


def _failing_line(exc: BaseException, env: jinja2.Environment) -> str | None:
    """``templates/page.html, line 12``: the template line where ``exc`` was raised, when
    it was raised by template code (or by Jinja running it) rather than by a function the
    template called. Jinja gives each template line's frame the template's file name."""
    where = None
    tb = exc.__traceback__
    last_module = ""
    while tb is not None:
        frame = tb.tb_frame
        if "__jinja_exception__" in frame.f_globals:
            where = (frame.f_code.co_filename, tb.tb_lineno)
            last_module = "template"
        else:
            last_module = frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    if where is None or not (last_module == "template" or last_module.split(".")[0] in ("jinja2", "markupsafe")):
        return None
    return f"templates/{_template_name(where[0], env)}, line {where[1]}"


def _template_name(filename: str, env: jinja2.Environment) -> str:
    path = Path(filename)
    for folder in getattr(env.loader, "searchpath", ()):
        if path.is_relative_to(folder):
            return path.relative_to(folder).as_posix()
    return path.name


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
