"""What the pages need beside them: the templates' assets, the palette's stylesheet, the
team's logo and the images content pages show. The first output kind a build plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kfh_site.config import SiteConfig
from kfh_site.html.content import Page
from kfh_site.html.images import ResizedImage, web_image
from kfh_site.output.context import BuildContext, Made
from kfh_site.project_files import checked_file, files_in
from kfh_site.returns.contract import display_name
from kfh_site.story.palette import Palette


def plan(ctx: BuildContext) -> Made:
    """The assets, palette, logo and content images; ``about`` lists the images resized."""
    config = ctx.config
    images, resized = content_images(config, list(ctx.content))
    return Made((
        (static_assets(config.template_folders, config.root), lambda path: template_source(config, path)),
        (palette_css(ctx.palette), "the palette"),
        (logo_file(config), "the [theme] logo"),
        (images, lambda path: display_name(config.paths.content / path, config.root)),
    ), about=tuple(resized))


def palette_css(palette: Palette) -> dict[str, bytes]:
    """The colours every stylesheet uses, from the one palette the charts use too."""
    return {"assets/palette.css": palette.css().encode("utf-8")}


def logo_file(config: SiteConfig) -> dict[str, bytes]:
    """The team's logo, published beside the stylesheet (``assets/logo.png`` or ``.svg``)."""
    logo = config.theme.logo
    return {config.theme.asset: checked_file(logo, config.root, config.root).read_bytes()} if logo else {}


def static_assets(template_folders: Sequence[Path], root: Path) -> dict[str, bytes]:
    """Every file of the templates' ``assets/``, copied as it is: the starter's, with the
    project's own in place of any it replaces."""
    assets: dict[str, bytes] = {}
    for folder in reversed(template_folders):
        assets.update({
            f"assets/{p.relative_to(folder / 'assets').as_posix()}": p.read_bytes()
            for p in files_in(folder / "assets", root)
        })
    return dict(sorted(assets.items()))


def template_source(config: SiteConfig, path: str) -> str:
    """The template file an asset came from, as the user would name it."""
    folder = next((f for f in config.template_folders if (f / path).is_file()), config.template_folders[-1])
    return display_name(folder / path, config.root)


def content_images(config: SiteConfig, pages: list[Page]) -> tuple[dict[str, bytes], list[ResizedImage]]:
    """Images that content pages show, published at the same place relative to the page;
    a photo too wide or too heavy for the web is made smaller (see images.py)."""
    files: dict[str, bytes] = {}
    resized: list[ResizedImage] = []
    for image in sorted({image for page in pages for image in page.images}):
        path = config.paths.content / image
        files[image], smaller = web_image(path, display_name(path, config.root))
        if smaller:
            resized.append(smaller)
    return files, resized
