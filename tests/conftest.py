"""Shared fixtures: a small project built in tmp_path, and the example site built once."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from kfh_site.cli import main as cli_main

REPO = Path(__file__).resolve().parent.parent
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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture(scope="session")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project, built once (HTML only) for tests that only read it."""
    root = make_project(tmp_path_factory.mktemp("small") / "project")
    assert run_cli(root, "build", "--no-pdf") == 0
    return root / "build"


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Playwright); browser tests fail, never skip, when it is missing."""
    from kfh_site import browser as web

    missing = web.browser_unavailable()
    if missing:
        pytest.fail(f"browser tests need Chromium and Playwright: {missing}")
    with web.chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def served(small_site):
    """The small site served on loopback under /kfh-report/, as it will be published."""
    from kfh_site import browser as web

    with web.serve(small_site, "/kfh-report/") as url:
        yield url


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own example project, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("example") / "build"
    assert run_cli(REPO, "build", "--out", str(out)) == 0
    return out
