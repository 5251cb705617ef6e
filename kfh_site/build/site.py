"""A build: refuse an output folder it would damage, take the lock, and when no input
has changed since the last build, stop there; otherwise make the site (pipeline.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from kfh_site.build.result import BuildOptions, BuildResult, return_files, workforce_files
from kfh_site.config import SiteConfig
from kfh_site.output.cache import BuildCache, inputs_key, package_version
from kfh_site.output.progress import Progress
from kfh_site.output.write import BuildLock, check_output_folder, remove_leftovers
from kfh_site.pdf.fonts import fonts_key
from kfh_site.project_files import files_in
from kfh_site.returns.contract import display_name


def build(config: SiteConfig, data_files: Sequence[Path] | None = None,
          progress: Progress | None = None, with_pdf: bool = True, jobs: int | None = None,
          use_cache: bool = True, strict: bool = False, pdf_on_request: bool = False) -> BuildResult:
    """Build the site from the project folder into ``config.paths.output``; with
    ``pdf_on_request`` (serve's preview) the PDFs are planned but not made.

    Only what changed since the last build is redone (see cache.py); the output is
    byte-for-byte what a clean build (``use_cache=False``) would write. An output folder
    the build would damage is refused before anything is touched. ``strict`` makes
    unlikely figures in the returns errors.
    """
    output = config.paths.output
    data_files = return_files(config, data_files)
    check_output_folder(output, config.root, *project_folders(config, data_files))
    with BuildLock(output):
        # What a killed build left goes first: it must not make the next one "up to date".
        remove_leftovers(output)
        cache = BuildCache.beside(output, use_cache)
        inputs = build_inputs_key(config, data_files, with_pdf, strict, pdf_on_request)
        if cache.up_to_date(inputs, output):
            return BuildResult(output, files=len(cache.previous_files), up_to_date=True, with_pdf=with_pdf)
        # Only now is what building needs loaded (pandas, Jinja, Markdown, Pagefind's client):
        # a build with nothing to do answers at once.
        from kfh_site.build.pipeline import make_site

        options = BuildOptions(with_pdf, jobs, progress, strict, pdf_on_request)
        return make_site(config, data_files, options, cache, inputs)


def project_folders(config: SiteConfig, data_files: Sequence[Path]
                    ) -> tuple[list[tuple[str, Path]], list[tuple[str, Path]]]:
    """What an output folder must not be or hold, and the folders it must not lie inside."""
    sources = [(f"the {name} folder ({display_name(path, config.root)}/)", path)
               for name, path in (("content", config.paths.content), ("data", config.paths.data),
                                  ("templates", config.paths.templates))]
    keep = [*sources, *((f"the return file {display_name(path, config.root)}", path) for path in data_files),
            *((f"the workforce file {display_name(path, config.root)}", path) for path in workforce_files(config)),
            ("your home folder", Path.home())]
    return keep, sources


def build_inputs_key(config: SiteConfig, data_files: Sequence[Path], with_pdf: bool, strict: bool = False,
                     pdf_on_request: bool = False) -> str:
    """A hash of everything a build reads: change any of it and the build runs again."""
    folders = (config.paths.content, *config.template_folders)
    files = [*data_files, *workforce_files(config), *(p for folder in folders for p in files_in(folder, config.root))]
    if config.theme.logo is not None:
        files.append(config.theme.logo)
    options = {"config": repr(config), "pdf": with_pdf, "strict": strict, "pdf_on_request": pdf_on_request,
               "weasyprint": package_version("weasyprint") if with_pdf else "",
               "fonts": fonts_key() if with_pdf else ""}
    return inputs_key(files, config.root, options)
