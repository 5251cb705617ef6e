"""Shared fixtures: a small project to change in tmp_path, the same project and the
repository's example built once a session to read, and one browser a session.

A test that only reads a build takes ``small_site`` (or ``small_project`` for the folder
around it), ``small_project_with_pdfs`` or ``example_site``; a test that changes one
builds its own in tmp_path, or takes ``built`` or ``built_with_pdfs``, a copy of its own.
A test that reads the whole example is marked ``slow``, as are the Nu checker, the
killed builds and ``kfh-site check`` in its own browser: ``pytest -m "not slow"`` is the
quick loop.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from kfh_site.cli import main as cli_main

REPO = Path(__file__).resolve().parent.parent
DEADLINE = 600
"""Seconds a test waits for a process, a server or a page before taking it for hung: a
limit for a loaded machine, never an expectation of speed."""
HEADER = [
    "org_code", "org_name", "region", "org_type", "year", "nhs_staff_wte", "qualified_lks_wte",
    "other_lks_wte", "clinical_librarian_wte", "knowledge_manager_wte", "literature_searches",
    "evidence_summaries", "training_sessions", "people_trained", "document_supply_requests",
    "loans", "registered_users", "current_awareness_subscribers", "impact_case_studies",
]

# Five organisations whose figures are worked out by hand in the tests.
ROWS_2024 = [
    ["AAA1", "Alpha Acute NHS Trust", "London", "Acute", "2024/25", "12,500", "10", "4", "2", "1",
     "1,200", "30", "40", "400", "900", "300", "2000", "150", "3"],
    ["BBB", "Beta Mental Health NHS Trust", "London", "Mental health", "2024/25", "3024", "1.6", "n/a", "", "",
     "100", "", "5", "60", "-", "", "700", "", ""],
    ["CCC", "Gamma Community NHS Trust", "North West", "Community", "2024/25", "5000", "3", "1", "0.5", "0",
     "250", "12", "20", "180", "400", "120", "900", "80", "1"],
    ["DDD", "Delta Ambulance Service NHS Trust", "North West", "Ambulance", "2024/25", "4000", "0", "", "0", "0",
     "", "", "", "", "", "", "", "", ""],
    ["EEE", "NHS Epsilon ICB", "Midlands", "Integrated care board", "2024/25", "800", "0.5", "0", "0", "0.5",
     "20", "2", "3", "25", "10", "0", "90", "30", "0"],
]
ROWS_2023 = [
    ["AAA1", "Alpha Acute NHS Trust", "London", "Acute", "2023/24", "12000", "9", "4", "2", "1",
     "1000", "25", "35", "350", "850", "320", "1900", "140", "2"],
    ["BBB", "Beta Mental Health NHS Trust", "London", "Mental health", "2023/24", "3000", "2", "1", "", "",
     "90", "", "4", "50", "", "", "650", "", ""],
    ["CCC", "Gamma Community NHS Trust", "North West", "Community", "2023/24", "4800", "3", "1", "0.5", "0",
     "240", "10", "18", "170", "380", "110", "880", "75", "1"],
    ["EEE", "NHS Epsilon ICB", "Midlands", "Integrated care board", "2023/24", "780", "0.5", "0", "0", "0.5",
     "18", "2", "2", "20", "8", "0", "85", "25", "0"],
]

CONFIG = """\
title = "Test report"
publisher = "Test LKS team"
base_url = "https://example.github.io/kfh-report/"
published = "2026-11-23"
illustrative_data = true
"""


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def make_project(root: Path, config: str = CONFIG, with_data: bool = True) -> Path:
    """A project folder with the repo's templates and content and a small return."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "content", root / "content")
    (root / "kfh-site.toml").write_text(config, encoding="utf-8")
    if with_data:
        write_csv(root / "data" / "returns" / "2023-24.csv", ROWS_2023)
        write_csv(root / "data" / "returns" / "2024-25.csv", ROWS_2024)
    return root


def run_cli(project: Path, *args: str, monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    """Run ``kfh-site`` in ``project`` as a user would."""
    if monkeypatch is not None:
        monkeypatch.chdir(project)
        return cli_main(list(args))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        return cli_main(list(args))


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_project(built: Path, target: Path) -> Path:
    """A built project copied whole, its build, record and cache included, each file's
    time kept. To kfh-site it is a project that moved: its next build renders every page
    again (and writes only what changed), so a test of incremental builds builds in place."""
    shutil.copytree(built, target, symlinks=True)
    return target


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The whole example takes minutes to build: a test that reads it must say it is slow."""
    unmarked = [item.nodeid for item in items
                if "example_site" in getattr(item, "fixturenames", ()) and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("tests that use example_site must be marked @pytest.mark.slow: " + ", ".join(unmarked))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture(scope="session")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project, built once (HTML only) into its build/, for tests that only
    read it; ``built`` gives a test its own copy to change."""
    root = make_project(tmp_path_factory.mktemp("small") / "project")
    assert run_cli(root, "build", "--no-pdf") == 0
    return root


@pytest.fixture(scope="session")
def small_site(small_project: Path) -> Path:
    """The small project's build (HTML only), for tests that only read it."""
    return small_project / "build"


@pytest.fixture(scope="session")
def small_project_with_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project built once with its nine PDFs, for tests that only read it;
    ``built_with_pdfs`` gives a test its own copy to change."""
    root = make_project(tmp_path_factory.mktemp("small-pdf") / "project")
    assert run_cli(root, "build") == 0
    return root


@pytest.fixture
def built(small_project: Path, tmp_path: Path) -> Path:
    """A project of the test's own with a previous build (HTML only) in build/, for tests
    of what a build refuses or keeps; change it at will."""
    return copy_project(small_project, tmp_path / "project")


@pytest.fixture
def built_with_pdfs(small_project_with_pdfs: Path, tmp_path: Path) -> Path:
    """A project of the test's own with a previous build, PDFs included, in build/;
    change it at will."""
    return copy_project(small_project_with_pdfs, tmp_path / "project")


class PatientBrowser:
    """The session's Chromium, whose pages wait up to DEADLINE for a page, a selector or
    a script (Playwright's own default is 30 seconds, too short on a loaded machine)."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.set_default_timeout(DEADLINE * 1000)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        page.set_default_timeout(DEADLINE * 1000)
        return page

    def __getattr__(self, name: str):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Playwright), one for the whole session; browser tests fail,
    never skip, when it is missing."""
    from kfh_site.check import browser as web

    missing = web.browser_unavailable()
    if missing:
        pytest.fail(f"browser tests need Chromium and Playwright: {missing}")
    with web.chromium() as browser:
        yield PatientBrowser(browser)


@pytest.fixture(scope="session")
def served(small_site):
    """The small site served on loopback under /kfh-report/, as it will be published."""
    from kfh_site.check import browser as web

    with web.serve(small_site, "/kfh-report/") as url:
        yield url


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own example project (249 organisations, 247 of them in 2024/25; 257 PDFs), built once a
    session into a temporary folder, for tests that only read it; they are marked slow."""
    out = tmp_path_factory.mktemp("example") / "build"
    assert run_cli(REPO, "build", "--out", str(out)) == 0
    return out
