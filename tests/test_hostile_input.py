"""Hostile input (issue 17): nothing outside the project is published, whatever a link
in the project points at; each case ends with a message naming the file, and the build
folder as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli, tree_bytes


def outside_file(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("# Secret\n\nTOP-SECRET-TOKEN\n", encoding="utf-8")
    return secret


@pytest.mark.parametrize("link, target", [
    ("templates/assets/env.txt", "/proc/self/environ"),
    ("templates/assets/secret.txt", "OUTSIDE"),
    ("content/leak.md", "OUTSIDE"),
    ("content/section/leak.md", "OUTSIDE"),
    ("templates/page.html", "OUTSIDE"),
    ("data/returns/leak.csv", "OUTSIDE"),
    ("content/everything", "/"),
])
def test_a_link_leading_outside_the_project_is_refused_by_name(project, tmp_path, capsys, link, target):
    before = tree_bytes(project)
    path = project / link
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    path.symlink_to(outside_file(tmp_path) if target == "OUTSIDE" else Path(target))
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert f"{link} is a link to" in err and "outside" in err
    assert "Traceback" not in err
    assert not (project / "build").exists()
    after = {k: v for k, v in tree_bytes(project).items() if not k.startswith((link, ".build.kfh-"))}
    assert after == {k: v for k, v in before.items() if k != link}


def test_a_link_inside_its_folder_is_followed(project, capsys):
    (project / "content" / "again.md").symlink_to(project / "content" / "methodology.md")
    # Two pages with one title are fine; what matters is that the link was read, not refused.
    code = run_cli(project, "build", "--no-pdf")
    err = capsys.readouterr().err
    assert "is a link to" not in err
    assert code == 0 and (project / "build" / "again.html").is_file()


def test_a_pipe_in_the_content_folder_is_refused_not_waited_on(project, capsys):
    os.mkfifo(project / "content" / "waiting.md")
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert "content/waiting.md is not an ordinary file" in err
    assert "Traceback" not in err


def test_a_build_that_succeeded_is_kept_when_a_link_appears(project, tmp_path, capsys):
    assert run_cli(project, "build", "--no-pdf") == 0
    before = tree_bytes(project / "build")
    (project / "templates" / "assets" / "env.txt").symlink_to("/proc/self/environ")
    assert run_cli(project, "build", "--no-pdf") == 1
    assert tree_bytes(project / "build") == before
    assert "env.txt" not in str(before.keys())
