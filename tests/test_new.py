"""kfh-site new: a working project in one command; a project without templates uses the
starter's; and the publishing workflow runs the README's own command."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import yaml
from conftest import REPO, run_cli, tree_bytes
from test_site import text_of

from kfh_site.project.new import financial_year, new_project


def test_new_writes_a_project_that_builds_at_once(tmp_path, capsys):
    folder = tmp_path / "north-west-report"
    assert run_cli(tmp_path, "new", str(folder), "--scope", "north west", "--title", "North West LKS") == 0
    assert "Wrote a report project" in capsys.readouterr().out
    config = (folder / "kfh-site.toml").read_text()
    assert 'scope = "North West"' in config and 'title = "North West LKS"' in config
    assert "# [theme]" in config and "# [[mergers]]" in config and "illustrative_data = true" in config
    for part in ("content/staff-ratio-policy.md", "templates/README.md", "README.md", ".gitignore"):
        assert (folder / part).is_file(), part
    assert list((folder / "data" / "returns").glob("*.csv"))
    assert run_cli(folder, "validate") == 0
    assert run_cli(folder, "build") == 0
    home = text_of(folder / "build" / "index.html")
    assert "North West LKS" in home and "organisations in North West" in home
    assert "Illustrative figures." in home
    assert (folder / "build" / "pdf" / "north-west.pdf").is_file()


def test_new_refuses_a_folder_that_holds_anything(tmp_path, capsys):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "minutes.docx").write_bytes(b"board minutes")
    assert run_cli(tmp_path, "new", str(folder)) == 1
    assert "the folder is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["minutes.docx"]
    assert run_cli(tmp_path, "new", str(tmp_path / "x"), "--scope", "Londn") == 1
    assert "did you mean 'London'?" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_the_last_whole_financial_year_is_the_one_reported():
    assert financial_year(dt.date(2026, 11, 23)) == "2025/26"
    assert financial_year(dt.date(2026, 3, 31)) == "2024/25"
    assert financial_year(dt.date(2026, 4, 1)) == "2025/26"


def test_a_project_without_templates_uses_the_starters_and_one_of_its_own_wins(tmp_path):
    folder = tmp_path / "project"
    new_project(folder, today=dt.date(2026, 11, 23))
    shutil.rmtree(folder / "templates")
    assert run_cli(folder, "build", "--no-pdf", "--out", str(tmp_path / "plain")) == 0
    (folder / "templates").mkdir()
    (folder / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Nothing here</h1>{% endblock %}')
    (folder / "templates" / "assets").mkdir()
    (folder / "templates" / "assets" / "extra.css").write_text("p { margin: 0 }")
    assert run_cli(folder, "build", "--no-pdf", "--out", str(tmp_path / "own")) == 0
    plain, own = tree_bytes(tmp_path / "plain"), tree_bytes(tmp_path / "own")
    assert "<h1>Nothing here</h1>" in own["404.html"].decode()
    assert own["assets/style.css"] == plain["assets/style.css"]      # the starter's, as before
    assert own["assets/extra.css"] == b"p { margin: 0 }"


def readme_command(heading: str) -> str:
    """The one command in the README's fenced block under ``heading``."""
    readme = (REPO / "README.md").read_text()
    section = readme.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    commands = [b.strip() for b in blocks if ".venv" in b]
    assert len(commands) == 1, commands
    return commands[0]


def test_the_publish_workflow_parses_and_builds_with_the_readmes_command():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "publish.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job.get("steps", [])]
    runs = [s.get("run", "").strip() for s in steps]
    assert readme_command("Set up and build the example site") in runs
    assert ".venv/bin/kfh-site check --no-browser" in runs
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)


def test_the_ci_script_runs_the_readmes_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert readme_command("Run the tests") in ci
