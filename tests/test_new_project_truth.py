"""kfh-site new tells no untruth once a team's real returns are in: no page calls the
figures examples, made up or illustrative unless illustrative_data says so; the About the
data page is written from the settings and the data; the report year is the data's unless
set; no templates are copied; and the commands its README and kfh-site's README give work
from any folder, whatever the clone is called."""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEADLINE, REPO, ROWS_2023, ROWS_2024, run_cli, write_csv
from test_site import text_of

from kfh_site.project.new import new_project

UNTRUE_WITH_REAL_DATA = re.compile(r"illustrative|made[ -]up|synthetic|example site|not real returns|"
                                   r"synthetic examples", re.I)


def real_project(tmp_path: Path, illustrative: bool = False, extra: str = "") -> Path:
    """A project made by ``new``, then given a team's real returns, as its README says."""
    folder = tmp_path / "report"
    new_project(folder, today=dt.date(2026, 11, 23))
    for made_up in (folder / "data" / "returns").glob("*.csv"):
        made_up.unlink()
    write_csv(folder / "data" / "returns" / "2023-24.csv", ROWS_2023)
    write_csv(folder / "data" / "returns" / "2024-25.csv", ROWS_2024)
    config = folder / "kfh-site.toml"
    text = config.read_text().replace("illustrative_data = true", f"illustrative_data = {str(illustrative).lower()}")
    config.write_text(text + extra)
    return folder


def test_with_real_returns_no_page_says_the_figures_are_made_up(tmp_path, capsys):
    folder = real_project(tmp_path, extra='data_credit = "Source: the LKS statistics return, 2023/24 and 2024/25."\n')
    assert run_cli(folder, "build", "--no-pdf") == 0
    assert "(2024/25, no PDFs" in capsys.readouterr().out   # the data's latest year: no report_year was set
    untrue = {}
    for page in sorted((folder / "build").rglob("*.html")):
        found = UNTRUE_WITH_REAL_DATA.findall(text_of(page))
        if found:
            untrue[page.relative_to(folder / "build").as_posix()] = found
    assert untrue == {}
    about = text_of(folder / "build" / "about-the-data.html")
    assert "The report covers 2 years: 2023/24 and 2024/25. Its pages report 2024/25" in about
    assert "sent to Your library and knowledge services team" in about
    assert "Source: the LKS statistics return, 2023/24 and 2024/25." in about


def test_with_illustrative_data_the_about_page_says_so(tmp_path):
    folder = real_project(tmp_path, illustrative=True)
    assert run_cli(folder, "build", "--no-pdf") == 0
    about = text_of(folder / "build" / "about-the-data.html")
    assert "The library and knowledge services figures on this site are illustrative." in about


def test_a_project_of_its_own_about_page_keeps_it(tmp_path):
    folder = real_project(tmp_path)
    (folder / "content" / "about-the-data.md").write_text("# About the data\n\nOur own words.\n")
    assert run_cli(folder, "build", "--no-pdf") == 0
    assert "Our own words." in text_of(folder / "build" / "about-the-data.html")


def test_new_copies_no_templates_and_leaves_the_report_year_to_the_data(tmp_path):
    folder = tmp_path / "report"
    new_project(folder, today=dt.date(2026, 11, 23))
    assert sorted(p.relative_to(folder).as_posix() for p in (folder / "templates").rglob("*")) == [
        "templates/README.md"]
    assert "copy that file from kfh-site's" in (folder / "templates" / "README.md").read_text()
    assert not re.search(r"^report_year\s*=", (folder / "kfh-site.toml").read_text(), re.M)
    assert not (folder / "content" / "about-the-data.md").exists()


def test_a_report_year_the_data_lacks_names_the_setting_and_the_years(tmp_path, capsys):
    folder = real_project(tmp_path, extra='report_year = "2025/26"\n')
    expected = ('kfh-site.toml: report_year is "2025/26", but the returns hold 2023/24 and 2024/25. Set report_year '
                "to one of them, or delete the line to report the latest year in the data (2024/25).")
    assert run_cli(folder, "validate") == 1
    assert expected in capsys.readouterr().err
    assert run_cli(folder, "build", "--no-pdf") == 1
    assert expected in capsys.readouterr().err


def test_the_new_projects_readme_commands_work_from_any_folder(tmp_path):
    folder = tmp_path / "report"
    new_project(folder, today=dt.date(2026, 11, 23))
    readme = (folder / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1)
    first = block.splitlines()[0].split("#")[0].strip()
    assert first.endswith(" build")
    program = shlex.split(first)[0]
    assert Path(program).is_absolute() and os.access(program, os.X_OK), first
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(f"cd {shlex.quote(str(folder))} && {first[: -len('build')]}validate", shell=True,
                          cwd=elsewhere, capture_output=True, text=True, timeout=DEADLINE,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0 and "OK:" in done.stdout, done.stderr
    assert f"export PATH={shlex.quote(str(Path(program).parent))}" in readme


def test_the_readmes_new_commands_work_whatever_the_clone_is_called(tmp_path):
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Start your own report", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1).strip()
    clone = tmp_path / "lks-reporting-tool"
    (clone / ".venv" / "bin").mkdir(parents=True)
    (clone / ".venv" / "bin" / "kfh-site").symlink_to(Path(sys.executable).parent / "kfh-site")
    script = block.replace('"$K" build', '"$K" build --no-pdf')
    assert script != block
    done = subprocess.run(["bash", "-c", script], cwd=clone, capture_output=True, text=True, timeout=DEADLINE,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "north-west-report" / "build" / "index.html").is_file()


@pytest.mark.parametrize("page", ["knowledge-management.md"])
def test_the_starter_pages_say_nothing_of_made_up_figures(page):
    assert not UNTRUE_WITH_REAL_DATA.search((REPO / "content" / page).read_text())
