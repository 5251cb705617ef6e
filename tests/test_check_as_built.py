"""kfh-site check reads a build as it was built: the base URL the build used is recorded
beside it, and check uses it; --base-url overrides it on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_project, run_cli


@pytest.fixture(scope="module")
def built_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A project built for https://lks.example.org/annual-report/ into a folder of its own
    (once: the checks only read it)."""
    tmp_path = tmp_path_factory.mktemp("as-built")
    project = make_project(tmp_path / "project")
    out = tmp_path / "elsewhere"
    assert run_cli(project, "build", "--no-pdf", "--base-url", "https://lks.example.org/annual-report/",
                   "--out", str(out)) == 0
    return project, out


def test_check_uses_the_base_url_the_build_was_made_for(built_elsewhere, capsys):
    project, out = built_elsewhere
    capsys.readouterr()
    assert run_cli(project, "check", str(out), "--no-browser") == 0
    text = capsys.readouterr().out
    assert "as it was built, for https://lks.example.org/annual-report/" in text
    assert "broken" not in text.lower()


def test_base_url_on_the_command_line_overrides_the_recorded_one(built_elsewhere, capsys):
    project, out = built_elsewhere
    capsys.readouterr()
    assert run_cli(project, "check", str(out), "--no-browser", "--base-url", "https://example.github.io/x/") == 1
    text = capsys.readouterr().out
    assert "as it was built" not in text and "404.html" in text
