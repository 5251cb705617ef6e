"""Hostile input (issue 17): nothing outside the project is published, whatever a link
in the project points at; each case ends with a message naming the file, and the build
folder as it was."""

from __future__ import annotations

import os
import re
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


# --- item 3: figures no chart can draw --------------------------------------------------

EXTREMES = (1e-320, 5e-324, 0.00001, 1e-9, 0.0, 1.0, 1e6, 1e9, 1e15, 1e154, 1e300, 1e308, 1.7976931348623157e308)


def _every_layout(value: float, other: float) -> int:
    """Each chart layout in story/charts fed ``value`` where a ratio or WTE goes (and
    ``other`` beside it, for huge ratios between two figures); the marks drawn."""
    from kfh_site.domain import Policy
    from kfh_site.story.charts.bullet import bullet_layouts
    from kfh_site.story.charts.compare import Entry, compare_layouts
    from kfh_site.story.charts.strip import StripRow, strip_layouts
    from kfh_site.story.charts.staffing_trend import StaffYear, staffing_trend_layouts
    from kfh_site.story.palette import Palette

    palette = Palette()
    marks = 0
    for policy in (Policy(1250, 1515), Policy(value or 1.0, other or 1.0)):
        layouts = [
            *bullet_layouts(value, other, value, other, policy, palette),
            *bullet_layouts(other, value, other, value, policy, palette),
            *compare_layouts([Entry("North", value, True), Entry("South", other), Entry("None", None)],
                             other, policy, palette),
            *compare_layouts([Entry("North", value)], None, policy, palette),
            *strip_layouts([StripRow("Peers", "3 organisations", (value, other, 1500.0), value, other, "1st")],
                           policy, palette, ["this", "median", "zone"]),
            *staffing_trend_layouts(["2022/23", "2023/24", "2024/25"],
                                    [StaffYear("2022/23", value, other, value), StaffYear("2024/25", other, value, 0.0)],
                                    palette),
        ]
        for layout in layouts:
            marks += len(layout.marks)
            odd = re.findall(r'\w+="[^"]*(?:inf|nan)[^"]*"', layout.body)
            assert not odd, f"not a number in an SVG attribute: {odd[:3]}"
    return marks


@pytest.mark.parametrize("value", EXTREMES)
def test_every_chart_layout_ends_for_any_finite_figure(value):
    from bounded import bounded

    for other in (1500.0, value, 1e308 if value < 1 else 1e-320):
        assert bounded(_every_layout, value, other, seconds=20) > 0


@pytest.mark.parametrize("column, value, expected", [
    ("nhs_staff_wte", "1e9", "expected at most 200,000 for one organisation"),
    ("nhs_staff_wte", "1e308", "expected at most 200,000 for one organisation"),
    ("nhs_staff_wte", "200001", "expected at most 200,000 for one organisation"),
    ("nhs_staff_wte", "0.5", "expected at least 1 for one organisation"),
    ("qualified_lks_wte", "0.00001", "expected 0 or at least 0.05 WTE"),
    ("qualified_lks_wte", "1e-320", "expected 0 or at least 0.05 WTE"),
    ("qualified_lks_wte", "1001", "expected at most 1,000 WTE"),
    ("other_lks_wte", "1e308", "expected at most 1,000 WTE"),
    ("loans", "1e308", "expected at most 10,000,000 in one year"),
])
def test_a_figure_past_its_bounds_is_an_error_naming_file_row_and_column(project, column, value, expected):
    from bounded import run_bounded
    from conftest import HEADER, ROWS_2024, write_csv

    rows = [list(r) for r in ROWS_2024]
    rows[2][HEADER.index(column)] = value
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)
    code, err = run_bounded(project, "build", "--no-pdf", seconds=120)
    assert code == 1
    assert f"data/returns/2024-25.csv, row 4, column {column}: {expected}" in err, err
    assert f'got "{value}"' in err
    assert "Traceback" not in err and len(err.splitlines()) < 10


@pytest.mark.parametrize("column, value", [("nhs_staff_wte", "200000"), ("nhs_staff_wte", "1"),
                                           ("qualified_lks_wte", "0.05"), ("qualified_lks_wte", "1000")])
def test_a_figure_at_its_bounds_builds(project, column, value):
    from bounded import run_bounded
    from conftest import HEADER, ROWS_2024, write_csv

    rows = [list(r) for r in ROWS_2024]
    rows[2][HEADER.index(column)] = value
    rows[2][HEADER.index("clinical_librarian_wte")] = "0"
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)
    code, err = run_bounded(project, "build", "--no-pdf", seconds=300)
    assert code == 0, err
    assert (project / "build" / "index.html").is_file()


# --- items 3, 8, 12 and 14: settings that would overflow, mistyped or let in what they should not

@pytest.mark.parametrize("setting, expected", [
    ("recommended_ratio = inf", "key 'recommended_ratio': expected a number of NHS staff per qualified WTE"),
    ("recommended_ratio = nan", "key 'recommended_ratio': expected a number of NHS staff per qualified WTE"),
    ("baseline_ratio = 1e-320", "key 'baseline_ratio': expected a number of NHS staff per qualified WTE"),
    ("baseline_ratio = 1e308", "key 'baseline_ratio': expected a number of NHS staff per qualified WTE"),
    ("abbreviations = {NHS = 5}", "key 'abbreviations.\"NHS\"': expected a string, got 5"),
    ("[paths]\ncontent = \"/typo\"", "key 'paths.content': '/typo' does not exist"),
    ("[paths]\ndata = \"dta\"", "key 'paths.data': 'dta' does not exist"),
    ("[paths]\ntemplates = \"kfh-site.toml\"", "key 'paths.templates': 'kfh-site.toml' is not a folder"),
    ("base_url = \"//evil.example/\"", "key 'base_url': expected a path"),
])
def test_a_setting_that_cannot_work_is_a_message_naming_its_key(project, setting, expected):
    from bounded import run_bounded

    config = project / "kfh-site.toml"
    key = setting.split(" =")[0] + " ="
    kept = [line for line in config.read_text(encoding="utf-8").splitlines() if not line.startswith(key)]
    config.write_text("\n".join([*kept, setting, ""]), encoding="utf-8")
    code, err = run_bounded(project, "build", "--no-pdf", seconds=120)
    assert code == 1
    assert expected in err, err
    assert "Traceback" not in err and "Error:" not in err and len(err.splitlines()) < 6


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("url", ["javascript:alert(1)//", "//evil.example/", "data:text/html,x", "/a\"onmouseover=x"])
def test_base_url_on_the_command_line_is_checked_as_the_setting_is(project, command, url):
    from bounded import run_bounded

    code, err = run_bounded(project, command, "--base-url", url, *(["--no-pdf"] if command == "build" else []),
                            seconds=120)
    assert code == 1
    assert "--base-url: expected a path such as \"/kfh-report/\"" in err, err
    assert not (project / "build").exists()


# --- items 8 and 15: templates that fail while rendering, or reach for the machine

@pytest.mark.parametrize("expression, expected", [
    ('{{ "x" + 1 }}', "TypeError: can only concatenate str"),
    ("{{ 1/0 }}", "ZeroDivisionError: division by zero"),
    ("{{ nothing_by_this_name }}", "'nothing_by_this_name' is undefined"),
    ("{{ lipsum.__globals__['os'].system('touch PWNED') }}", "unsafe"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
])
def test_a_template_failing_while_it_renders_is_a_message_naming_its_line(project, expression, expected):
    from bounded import run_bounded

    page = project / "templates" / "base.html"
    lines = page.read_text(encoding="utf-8").splitlines()
    lines.insert(2, expression)
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = run_bounded(project, "build", "--no-pdf", seconds=300)
    assert code == 1
    assert "templates/base.html, line 3: " in err and expected in err, err
    assert "Traceback" not in err and len(err.splitlines()) < 6
    assert not (project / "PWNED").exists() and not (project / "build").exists()


def test_the_pdf_templates_are_sandboxed_too(project):
    from bounded import run_bounded

    page = project / "templates" / "infographic.html"
    lines = page.read_text(encoding="utf-8").splitlines()
    lines.insert(1, "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}")
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err = run_bounded(project, "build", seconds=600)
    assert code == 1
    assert "templates/infographic.html, line 2: " in err and "unsafe" in err, err
    assert not (project / "PWNED").exists()
