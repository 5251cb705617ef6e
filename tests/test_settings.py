"""Each kfh-site.toml key is declared once, in config.py; the README's table and the
starter project's file are derived from it. Every command finds the config the same way:
--config, else kfh-site.toml here or in the nearest folder above."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import REPO, make_project, run_cli
from openpyxl import load_workbook
from test_serve import Preview

from kfh_site.config import SiteConfig, load_config, settings_table
from kfh_site.errors import ConfigError
from kfh_site.project.new import config_text


def test_the_readme_settings_table_is_the_one_config_py_declares():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("| key | default | meaning |")
    shown = readme[start:readme.index("\n\n", start)]
    assert shown == settings_table(), (
        "README.md's settings table differs from config.py; paste the output of "
        "python -c 'from kfh_site.config import settings_table; print(settings_table())'")


def test_every_field_of_the_config_is_a_declared_setting():
    """A field added without setting() would be missing from the file, the README and the checks."""
    undeclared = [f.name for f in dataclasses.fields(SiteConfig) if f.name != "root" and "setting" not in f.metadata]
    assert undeclared == []
    for name in ("title", "scope", "theme", "mergers", "paths", "columns", "abbreviations"):
        assert f"`{name}`" in settings_table() or f"`[{name}]`" in settings_table() \
            or f"`[[{name}]]`" in settings_table()


def test_the_starter_file_loads_as_written_and_with_every_example_switched_on(tmp_path):
    text = config_text("North West LKS", "North West", dt.date(2026, 11, 23))
    (tmp_path / "kfh-site.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "kfh-site.toml")
    # No report_year: a new project reports the latest year its data holds.
    assert (config.title, config.scope, config.report_year) == ("North West LKS", "North West", None)
    assert config.published == dt.date(2026, 11, 23) and config.illustrative_data is True
    assert config.theme.logo is None and config.mergers == () and config.columns == ()
    # Every commented example is a valid setting once uncommented (the logo must exist).
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "data-sources").mkdir()
    (tmp_path / "data-sources" / "workforce.csv").write_text("org_code,period,staff_fte\n", encoding="utf-8")
    switched_on = re.sub(r"^# (\[|\w+ = |\"[^\"]*\" = )", r"\1", text, flags=re.M)
    (tmp_path / "kfh-site.toml").write_text(switched_on, encoding="utf-8")
    config = load_config(tmp_path / "kfh-site.toml")
    assert config.scope == "North West"  # still a top-level key: tables come after plain keys
    assert config.theme.logo == (tmp_path / "logo.png").resolve() and config.theme.logo_alt
    assert config.columns == (("Chartered staff (FTE)", "qualified_lks_wte"),)
    assert [m.into for m in config.mergers] == ["RXX"]
    assert config.workforce.file == (tmp_path / "data-sources" / "workforce.csv").resolve()
    assert config.workforce.month == 12
    assert config.contact.email == "lks@example.nhs.uk"


@pytest.mark.parametrize("text, expected", [
    ('[abbreviations]\nXYZ = 3\n', "key 'abbreviations.\"XYZ\"': expected a string, got 3"),
    ('abbreviations = "WTE"\n', "key 'abbreviations': expected dict, got 'WTE'"),
    ('[paths]\ndata = 3\n', "key 'paths.data': expected str, got 3"),
    ('paths = 3\n', "[paths] must be a table"),
    ('[theme]\nlogo_alt = 3\n', "key 'theme.logo_alt': expected the logo's text alternative, got 3"),
    ('[theme]\ncolour = "#000000"\n', "unknown key 'theme.colour'"),
])
def test_nested_tables_are_checked_from_the_same_declarations(tmp_path, text, expected):
    (tmp_path / "kfh-site.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "kfh-site.toml")
    assert expected in str(caught.value)


def test_abbreviations_add_to_the_defaults(tmp_path):
    (tmp_path / "kfh-site.toml").write_text('[abbreviations]\nPICO = "population, intervention"\n')
    abbreviations = load_config(tmp_path / "kfh-site.toml").abbreviations
    assert abbreviations["PICO"] == "population, intervention" and abbreviations["WTE"] == "whole-time equivalent"


def test_ci_ruff_step_holds_functions_to_complexity_10_and_every_public_name_to_a_docstring():
    """CI's ruff step runs pyproject.toml's rules: these two must stay among them."""
    import tomllib

    lint = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert {"C901", "D100", "D101", "D102", "D103", "D104"} <= set(lint["select"])
    assert lint["mccabe"]["max-complexity"] == 10
    assert ".venv/bin/ruff check kfh_site tests benchmarks scripts" in (REPO / ".ci" / "run").read_text()


# One config finder for every command, tried from a folder inside the project.

@pytest.fixture
def inside(tmp_path) -> Path:
    project = make_project(tmp_path / "project")
    return project / "content"


def test_build_finds_the_config_in_a_folder_above(inside, capsys):
    assert run_cli(inside, "build", "--no-pdf") == 0
    assert (inside.parent / "build" / "index.html").is_file()  # paths are the config file's
    assert not (inside / "build").exists()


def test_validate_finds_the_config_in_a_folder_above(inside, capsys):
    assert run_cli(inside, "validate") == 0
    assert "OK: 5 organisations" in capsys.readouterr().out


def test_check_finds_the_config_and_its_output_folder_above(inside, capsys):
    assert run_cli(inside, "build", "--no-pdf") == 0
    capsys.readouterr()
    assert run_cli(inside, "check", "--no-browser") == 0
    assert "passed" in capsys.readouterr().out.lower()


def test_template_finds_the_config_in_a_folder_above(inside):
    assert run_cli(inside, "template", "blank.xlsx") == 0
    book = load_workbook(inside / "blank.xlsx")
    assert book.properties.created.date().isoformat() == "2026-11-23"  # the project's published date


def test_serve_finds_the_config_in_a_folder_above(inside, tmp_path):
    preview = Preview(inside, tmp_path / "temp")  # waits for "Serving .../kfh-report/", the config's base URL
    try:
        assert preview.get("methodology.html")[0] == 200
    finally:
        preview.stop()


def test_a_config_given_with_config_wins_over_the_one_above(inside, tmp_path, capsys):
    other = tmp_path / "other.toml"
    other.write_text('title = "Other"\n[paths]\ndata = "project/data"\noutput = "elsewhere"\n')
    assert run_cli(inside, "build", "--no-pdf", "--config", str(other)) == 0
    assert (tmp_path / "elsewhere" / "index.html").is_file()
