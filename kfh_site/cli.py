"""Command line: parse arguments, run a stage, map KfhError to a message and exit 1.

Only this module prints or exits.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from kfh_site import __version__
from kfh_site.config import (
    SiteConfig,
    checked_base_url_option,
    config_from_mapping,
    find_config,
    load_config,
    look_for_config,
    url_path,
)
from kfh_site.errors import ConfigError, KfhError
from kfh_site.returns.contract import find_return_files
from kfh_site.story.formatting import file_size

if TYPE_CHECKING:
    from kfh_site.build.result import BuildResult

EXIT_OK, EXIT_USER_ERROR, EXIT_USAGE = 0, 1, 2
CONFIG_HELP = "config file (default: kfh-site.toml here or in the nearest folder above)"


def parser() -> argparse.ArgumentParser:
    """Every command and option; the README's command reference follows this."""
    main = argparse.ArgumentParser(
        prog="kfh-site",
        description="Publish the annual report of NHS library and knowledge services as a static site.",
    )
    main.add_argument("--version", action="version", version=f"kfh-site {__version__}")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="validate the returns and build the site")
    build.add_argument("--config", type=Path, help=CONFIG_HELP)
    build.add_argument("--data", type=Path, nargs="+", metavar="PATH",
                       help="return files or folders to use instead of data/")
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: build/)")
    build.add_argument("--base-url", metavar="URL",
                       help="where the site will be served, e.g. https://example.github.io/kfh-report/")
    build.add_argument("--no-pdf", action="store_true", help="skip the PDF infographics")
    build.add_argument("--jobs", type=_positive, metavar="N", help="processes rendering pages and PDFs (default: one per core)")
    build.add_argument("--clean", action="store_true",
                       help="ignore what the last build left (redo everything; the output is the same)")
    build.add_argument("--strict", action="store_true",
                       help="treat unlikely figures in the returns (warnings) as errors")

    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on every change")
    serve.add_argument("--config", type=Path, help=CONFIG_HELP)
    serve.add_argument("--port", type=_port, default=8000, help="port on 127.0.0.1 (default 8000; 0 picks a free one)")
    serve.add_argument("--data", type=Path, nargs="+", metavar="PATH", help="return files or folders instead of data/")
    serve.add_argument("--no-pdf", action="store_true", help="skip the PDF infographics")

    check = commands.add_parser("check", help="check a finished build before publishing it")
    check.add_argument("build_dir", type=Path, nargs="?", metavar="BUILD_DIR",
                       help="the built site (default: the configured output folder, build/)")
    check.add_argument("--base-url", metavar="URL",
                       help="where it will be served (default: the base URL the build was made for)")
    check.add_argument("--config", type=Path, help=CONFIG_HELP)
    check.add_argument("--no-browser", action="store_true", help="skip the axe-core checks in Chromium")
    check.add_argument("--all", action="store_true", dest="check_all",
                       help="check every page and PDF, also those unchanged since they last passed")
    check.add_argument("--deadline", type=_seconds, default=None, metavar="SECONDS",
                       help="seconds each page (at each width) and each PDF may take before it is "
                            "reported as timed out (default 30)")

    validate = commands.add_parser("validate", help="check return files against the data contract")
    validate.add_argument("paths", type=Path, nargs="*", metavar="PATH",
                          help="return files or folders (default: data/)")
    validate.add_argument("--config", type=Path, help=CONFIG_HELP)
    validate.add_argument("--strict", action="store_true",
                          help="treat unlikely figures (warnings) as errors")

    template = commands.add_parser("template", help="write the blank return (.xlsx) for services to fill in")
    template.add_argument("file", type=Path, metavar="FILE.xlsx", help="where to write it")
    template.add_argument("--force", action="store_true", help="replace FILE.xlsx if it exists")
    template.add_argument("--send-to", metavar="WHERE", help="where services send the return, e.g. an email address")
    template.add_argument("--config", type=Path, help=CONFIG_HELP)

    new = commands.add_parser("new", help="start a report project in a new or empty folder")
    new.add_argument("folder", type=Path, metavar="FOLDER", help="the folder to create")
    new.add_argument("--scope", default="England", metavar="AREA",
                     help="England (the default) or one of the seven NHS England regions")
    new.add_argument("--title", default="", help="the report's title (default: NHS library and knowledge "
                                                 "services in AREA)")
    return main


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be a port number from 0 to 65535")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a user's mistake is a message and exit 1, never a traceback."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "build": run_build, "check": run_check, "serve": run_serve, "template": run_template,
        "new": run_new, "validate": run_validate,
    }
    try:
        return commands[args.command](args)
    except KfhError as exc:
        print(f"kfh-site: {exc.report()}", file=sys.stderr)
        if args.command == "build":
            print("Nothing was built; the previous build is unchanged.", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        if args.command == "build":
            print("kfh-site: interrupted; the previous build is unchanged", file=sys.stderr)
        else:
            print("kfh-site: interrupted", file=sys.stderr)
        return 130


def _config_file(args: argparse.Namespace) -> Path:
    """Every command's config: ``--config``, else kfh-site.toml here or in the nearest folder above."""
    return args.config if args.config else find_config(Path.cwd())


def _optional_config(args: argparse.Namespace, **overrides: object) -> SiteConfig | None:
    """The config of a command that can run without one (check, template, validate FILE...)."""
    path = args.config if args.config else look_for_config(Path.cwd())
    return load_config(path, overrides) if path is not None else None


def _config(args: argparse.Namespace, **overrides: object) -> SiteConfig:
    return load_config(_config_file(args), overrides)


def _expand(paths: Sequence[Path]) -> list[Path]:
    """Folders given on the command line stand for every return file inside them."""
    files: list[Path] = []
    for path in paths:
        files.extend(find_return_files(path) if path.is_dir() else [path])
    return files


def run_build(args: argparse.Namespace) -> int:
    """``kfh-site build``: the site and PDFs into the output folder, then one summary line."""
    from kfh_site.build.site import build  # heavy imports only for the command that needs them

    config = _config(args, output=args.out, base_url=args.base_url)
    data = _expand(args.data) if args.data else None
    if not args.no_pdf:
        from kfh_site.pdf.jobs import harfbuzz_subset_available

        if not harfbuzz_subset_available():
            print(
                "kfh-site: warning: libharfbuzz-subset is not installed, so PDFs are made about four "
                "times slower (WeasyPrint falls back to fontTools). On Debian or Ubuntu: "
                "sudo apt-get install libharfbuzz-subset0",
                file=sys.stderr,
            )
    with progress_display() as progress:
        result = build(config, data, progress=progress, with_pdf=not args.no_pdf, jobs=args.jobs,
                       use_cache=not args.clean, strict=args.strict)
    print(build_summary(result))
    return EXIT_OK


def build_summary(result: "BuildResult", where: str | None = None) -> str:
    """One line a user reads after every build, after any notes on the returns (header rows
    found, columns ignored), and one more for each thing to know."""
    where = where or _shown(result.output)
    if result.up_to_date:
        return f"{where} is up to date: no input has changed since the last build ({result.files} files)."
    pdf_note = f", {result.pdfs} PDFs" if result.pdfs else ""
    if result.pdfs_on_request is not None:
        pdf_note += " made when opened"
    if not result.with_pdf:
        pdf_note = ", no PDFs: --no-pdf"
    lines = [
        *result.notes,
        *result.warnings,
        f"Built {result.files} files for {result.organisations} organisations ({result.report_year}{pdf_note}) "
        f"into {where}; {result.written} written, {result.files - result.written} unchanged."
    ]
    if result.images_resized:
        count = len(result.images_resized)
        lines.append(f"{count} {'image' if count == 1 else 'images'} resized: " + "; ".join(
            f"{image.source} {image.before[0]}x{image.before[1]} -> {image.after[0]}x{image.after[1]} "
            f"({file_size(image.bytes_before)} -> {file_size(image.bytes_after)})"
            for image in result.images_resized))
    return "\n".join(lines)


def run_serve(args: argparse.Namespace) -> int:
    """``kfh-site serve``: a preview rebuilt on every edit, its PDFs made when asked for."""
    from kfh_site.build.site import build
    from kfh_site.pdf.on_request import PdfsOnRequest
    from kfh_site.serve import serve

    config_file = _config_file(args)
    pdfs = None if args.no_pdf else PdfsOnRequest()

    def rebuild(folder: Path) -> str:
        # The config is read again on every build: editing it is one of the changes watched.
        # The preview goes into serve's own folder, never into the output you publish.
        # Its PDFs are made when the browser asks for one, not on every edit.
        config = load_config(config_file, {"output": folder})
        files = _expand(args.data) if args.data else None
        result = build(config, files, with_pdf=pdfs is not None, pdf_on_request=True)
        if pdfs is not None and result.pdfs_on_request is not None:
            pdfs.plan(result.pdfs_on_request)
        return build_summary(result, where="the preview")

    def report(line: str) -> None:
        print(line, flush=True)

    # Stopped by a service manager or `kill`: tidy up as after Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        config = load_config(config_file)
    except KfhError:  # serve starts all the same, shows why on every page, and builds once it is fixed
        config = config_from_mapping({}, config_file.parent, str(config_file), {})
    serve(config, config_file, args.port, rebuild, report,
          data_paths=[p for p in (args.data or []) if p.exists()], pdfs=pdfs.get if pdfs else None)
    return EXIT_OK


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 86_400:
        raise argparse.ArgumentTypeError(f"expected a number of seconds greater than 0, got {text!r}")
    return seconds


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_check(args: argparse.Namespace) -> int:
    """``kfh-site check``: exit 1 when the build should not be published yet."""
    from kfh_site.check.checks import check_build

    if args.base_url is not None:
        checked_base_url_option(args.base_url)
    from kfh_site.output.cache import built_base_url

    config = _optional_config(args, base_url=args.base_url)
    build_dir = args.build_dir or (config.paths.output if config else Path("build"))
    built_for = built_base_url(build_dir)
    if args.base_url:
        base_path = url_path(args.base_url)
    elif built_for:
        base_path = url_path(built_for)
        print(f"Checking {_shown(build_dir)} as it was built, for {built_for} (--base-url checks it for another).")
    else:
        base_path = config.base_path if config else "/"
    deadline = {} if args.deadline is None else {"deadline": args.deadline}
    report = check_build(build_dir, base_path, browser=not args.no_browser, check_all=args.check_all, **deadline)
    print(report.text())
    if config is not None and not config.contact.email:
        print("Warning: kfh-site.toml has no [contact] email. The accessibility regulations ask the accessibility "
              "statement to say how readers can contact you: add [contact] with email = \"...\" (phone and "
              "address are optional), and build again.")
    return EXIT_OK if report.passed else EXIT_USER_ERROR


def run_validate(args: argparse.Namespace) -> int:
    """``kfh-site validate``: every problem in the returns at once, without building."""
    from kfh_site.build.result import read_returns
    from kfh_site.errors import problem_lines

    if args.paths:
        files = _expand(args.paths)
        config = _optional_config(args)
        if config is not None:  # the project's settings, [workforce] and scope among them
            returns = read_returns(config, files, strict=args.strict)
        else:
            from kfh_site.returns.table import load_returns  # pandas loads only for the commands that read returns

            returns = load_returns(files, Path.cwd(), strict=args.strict)
    else:
        config = _config(args)
        returns = read_returns(config, strict=args.strict)
    problem = config.report_year_problem(returns.years) if config is not None else None
    if problem:
        raise ConfigError(problem)
    for note in returns.notes:
        print(note)
    for line in problem_lines(list(returns.warnings)):
        print(line)
    print(f"OK: {returns.summary()}")
    if returns.warnings:
        count = len(returns.warnings)
        print(f"{count} unlikely {'figure' if count == 1 else 'figures'} to check; validate --strict "
              "makes them errors.")
    return EXIT_OK


def run_template(args: argparse.Namespace) -> int:
    """``kfh-site template``: the blank return services fill in."""
    from kfh_site.project.blank_return import FormSettings, write_template

    config = _optional_config(args)
    write_template(args.file, FormSettings.from_config(config, args.send_to), force=args.force)
    print(f"Wrote the blank return to {_shown(args.file)}. Services fill in its Return sheet; "
          f"check a filled copy with: kfh-site validate FILE.xlsx")
    return EXIT_OK


def run_new(args: argparse.Namespace) -> int:
    """``kfh-site new``: a project that builds at once."""
    from kfh_site.config import config_from_mapping
    from kfh_site.project.new import kfh_site_command, new_project

    # The scope is checked as kfh-site.toml would check it, before anything is written.
    scope = config_from_mapping({"scope": args.scope}, Path.cwd(), "--scope", {}).scope
    written = new_project(args.folder, scope, args.title)
    print(f"Wrote a report project of {len(written)} files into {_shown(args.folder)}. Next: cd {_shown(args.folder)} "
          f"&& {kfh_site_command()} build (its README says how to make it yours).")
    return EXIT_OK


@contextlib.contextmanager
def progress_display() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on a terminal; nothing at all in CI, pipes and logs."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    labels = {"pages": "Pages", "pdfs": "PDF infographics"}
    with Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True, console=Console(stderr=True)) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done)

        yield update


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except (OSError, ValueError):  # the current folder is gone, or on another drive
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
