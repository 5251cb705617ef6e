"""The Jinja environment: autoescape on, the formatting filters, and a url helper that
keeps every link relative so the site works from any sub-path.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import pass_context

from kfh_site.domain import slugify
from kfh_site.errors import ContentError
from kfh_site.story.formatting import FILTERS


def make_environment(folders: Sequence[Path]) -> jinja2.Environment:
    """One environment per build: templates from the project's folder, then the starter's."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
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
    """Render a template; a broken template is a user error naming file and line."""
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(f"templates/{exc.name or template}, line {exc.lineno}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise ContentError(f"templates/{exc.name}: template not found") from None
    except jinja2.UndefinedError as exc:
        raise ContentError(f"templates/{template}: {exc.message}") from None
