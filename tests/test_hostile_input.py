"""Hostile input (issue 17): nothing outside the project is published, whatever a link
in the project points at; each case ends with a message naming the file, and the build
folder as it was."""

from __future__ import annotations

import os
import re
import shutil
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
    ("publisher = \"Test \\u202eTeam\"", "key 'publisher': holds an invisible character, U+202E RIGHT-TO-LEFT"),
    ("title = \"Test\\u200breport\"", "key 'title': holds an invisible character, U+200B ZERO WIDTH SPACE"),
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
    ("{{ nothing_by_this_name }}", "nothing_by_this_name is not defined"),
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


# --- item 5: front matter that would expand, or fill the terminal

LAUGHS = "\n".join(["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
                   + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
                   + ["title: *i"])


@pytest.mark.parametrize("front, expected", [
    (LAUGHS, "anchors (&name) are not allowed in front matter"),
    ("title: &t Methods\nsummary: *t", "anchors (&name) are not allowed in front matter"),
    ("title: Methods\nsummary: " + "x" * 100_000, "front matter that starts here is longer than 16 KB"),
    ("title: " + "[" * 5_000, "front matter is nested too deeply to read"),
    ("title: [" + ", ".join(["lol"] * 2_000) + "]", "'title' must be text, got ['lol', 'lol'"),
    ("title: Methods\n" + "\n".join(f"k{i}: v" for i in range(500)), "and 495 more"),
])
def test_front_matter_is_read_safely_and_reported_in_a_few_lines(project, front, expected):
    from bounded import run_bounded

    (project / "content" / "laughs.md").write_text(f"---\n{front}\n---\n\nBody.\n", encoding="utf-8")
    code, err = run_bounded(project, "build", "--no-pdf", seconds=120, memory=2 * 1024 ** 3)
    assert code == 1
    assert "content/laughs.md" in err and expected in err, err[:2000]
    assert len(err) < 1_000 and len(err.splitlines()) < 6, err[:2000]
    assert "Traceback" not in err


# --- item 13: what a killed build leaves, and files outside the output's parent

def test_the_next_build_removes_what_a_killed_build_left_even_when_up_to_date(built, capsys):
    """As a build killed during the swap and while writing its cache leaves them."""
    parent = built
    assert run_cli(built, "build", "--no-pdf") == 0  # a copied project renders again once
    tmp = parent / ".build.kfh-tmp-k1ll3d"
    shutil.copytree(built / "build", tmp)
    old = parent / ".build.kfh-old-k1ll3d"
    (old / "build").mkdir(parents=True)
    (old / "build" / "index.html").write_text("old", encoding="utf-8")
    (parent / ".build.kfh-written.4242").write_text('{"files": [', encoding="utf-8")
    cache = parent / ".build.kfh-cache"
    (cache / "manifest.json.4242").write_text('{"inputs": "half', encoding="utf-8")
    (cache / "pdf").mkdir(exist_ok=True)
    (cache / "pdf" / "0123abcd.pdf.4242").write_bytes(b"%PDF-1.7 half")
    assert run_cli(built, "build", "--no-pdf") == 0
    out = capsys.readouterr().out
    assert "up to date" in out
    left = sorted(p.name for p in parent.iterdir() if ".kfh-" in p.name)
    assert left == [".build.kfh-cache", ".build.kfh-lock", ".build.kfh-written"], left
    assert sorted(p.name for p in cache.rglob("*") if p.is_file()) == ["manifest.json", "search-text.json"]


def test_an_output_that_is_a_mount_point_is_refused_leaving_nothing_beside_it(project, capsys):
    assert os.path.ismount("/dev/shm")
    before = sorted(os.listdir("/dev"))
    assert run_cli(project, "build", "--no-pdf", "--out", "/dev/shm") == 1
    err = capsys.readouterr().err
    assert "/dev/shm is a mount point" in err and "--out" in err
    assert sorted(os.listdir("/dev")) == before


def test_the_cache_writes_whole_files_or_none(tmp_path, monkeypatch):
    from kfh_site.output.cache import BuildCache

    cache = BuildCache.beside(tmp_path / "build")
    real = Path.write_bytes

    def full_disk(path, data):
        real(path, data[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OSError):
        cache.store_pdf("0123abcd", b"%PDF-1.7 " + b"x" * 1000, 1)
    monkeypatch.undo()
    assert [p.name for p in (cache.folder / "pdf").iterdir()] == []


# --- item 10: everything that changes the output is in the up-to-date check

SVG_LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="{}"/></svg>'


def test_a_changed_logo_is_built_again_and_published(project, capsys):
    from conftest import CONFIG

    (project / "kfh-site.toml").write_text(CONFIG + '[theme]\nlogo = "logo.svg"\nlogo_alt = "Test LKS team"\n')
    (project / "logo.svg").write_text(SVG_LOGO.format("#005eb8"), encoding="utf-8")
    assert run_cli(project, "build", "--no-pdf") == 0
    (project / "logo.svg").write_text(SVG_LOGO.format("#7c2855"), encoding="utf-8")
    capsys.readouterr()
    assert run_cli(project, "build", "--no-pdf") == 0
    assert "up to date" not in capsys.readouterr().out
    assert "#7c2855" in (project / "build" / "assets" / "logo.svg").read_text(encoding="utf-8")


def test_a_changed_file_under_templates_or_an_image_is_built_again(project, capsys):
    (project / "templates" / "assets" / "note.txt").write_text("one", encoding="utf-8")
    assert run_cli(project, "build", "--no-pdf") == 0
    for change in (project / "templates" / "assets" / "note.txt", project / "templates" / "_macros.html"):
        change.write_text(change.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        capsys.readouterr()
        assert run_cli(project, "build", "--no-pdf") == 0
        assert "up to date" not in capsys.readouterr().out, change


def test_the_pdf_fonts_are_in_the_up_to_date_check(project, tmp_path, monkeypatch):
    """Fonts found where fontconfig looks (here a folder of copies): a changed font file
    changes what a build with PDFs is keyed on, and only that."""
    from kfh_site.build.site import build_inputs_key
    from kfh_site.config import load_config
    from kfh_site.pdf import fonts

    folder = tmp_path / "fonts"
    folder.mkdir()
    for path in fonts.font_files():
        shutil.copy(path, folder / path.name)
    (tmp_path / "fonts.conf").write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{folder}</dir>'
        f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))
    fonts.font_files.cache_clear()
    try:
        assert {p.parent for p in fonts.font_files()} == {folder}
        assert {p.name for p in fonts.font_files()} >= {"LiberationSans-Regular.ttf", "DejaVuSans.ttf"}
        config = load_config(project / "kfh-site.toml")
        before = build_inputs_key(config, [], True), build_inputs_key(config, [], False)
        regular = folder / "LiberationSans-Regular.ttf"
        regular.write_bytes(regular.read_bytes() + b"\0")
        after = build_inputs_key(config, [], True), build_inputs_key(config, [], False)
        assert after[0] != before[0] and after[1] == before[1]
    finally:
        fonts.font_files.cache_clear()


# --- item 9: characters the text font lacks

def _named(project: Path, publisher: str, org_name: str) -> None:
    """The project with its publisher and its third organisation renamed."""
    from conftest import CONFIG, HEADER, ROWS_2024, write_csv

    (project / "kfh-site.toml").write_text(CONFIG.replace('"Test LKS team"', f'"{publisher}"'))
    rows = [list(r) for r in ROWS_2024]
    rows[2][HEADER.index("org_name")] = org_name
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)


def test_symbols_the_text_font_lacks_are_drawn_in_the_fallback_font(project):
    import pypdf
    from bounded import run_bounded

    _named(project, "Test LKS team \u2605 \u2192 \u03a9", "Gamma \u2603 Community NHS Trust \U0001F600")
    code, err = run_bounded(project, "build", seconds=600)
    assert code == 0, err
    reader = pypdf.PdfReader(project / "build" / "pdf" / "organisations" / "ccc.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Gamma \u2603 Community" in text and "\u2605" in text
    fonts = {str(font["/BaseFont"]) for page in reader.pages
             for font in (page["/Resources"]["/Font"].values() if "/Font" in page["/Resources"] else ())
             for font in [font.get_object()]}
    assert any("DejaVu-Sans" in f for f in fonts) and any("Liberation-Sans" in f for f in fonts), fonts


def test_a_character_no_pdf_font_has_is_named_where_it_is_written(project):
    from bounded import run_bounded

    _named(project, "Test LKS team \u6f22", "Gamma Community NHS Trust \U0001F984")
    code, err = run_bounded(project, "build", seconds=600)
    assert code == 1
    assert ("data/returns/2024-25.csv, row 4, column org_name: \U0001F984 (U+1F984 UNICORN FACE) cannot be drawn "
            "in the PDFs") in err, err
    assert "kfh-site.toml, key 'publisher': \u6f22 (U+6F22 CJK UNIFIED IDEOGRAPH-6F22) cannot be drawn" in err
    assert "Traceback" not in err and len(err.splitlines()) < 8
    assert run_bounded(project, "build", "--no-pdf", seconds=600)[0] == 0


# --- item 11: which files in an output folder are a file manager's

def test_a_dot_underscore_file_alone_is_a_users_file_and_stops_the_build(built, capsys):
    (built / "build" / "._thesis.docx").write_bytes(b"my thesis")
    assert run_cli(built, "build", "--no-pdf") == 1
    assert "._thesis.docx" in capsys.readouterr().err
    assert (built / "build" / "._thesis.docx").read_bytes() == b"my thesis"


def test_a_file_managers_files_go_with_the_old_build(built, capsys):
    for name in (".DS_Store", "Thumbs.db", "desktop.ini", "._index.html", "regions/._london.html", "._regions"):
        (built / "build" / name).write_bytes(b"file manager")
    assert run_cli(built, "build", "--no-pdf") == 0, capsys.readouterr().err
    assert not (built / "build" / "._index.html").exists() and not (built / "build" / ".DS_Store").exists()


# --- item 12: spreadsheets kfh-site does not read are named, not skipped

@pytest.mark.parametrize("name", ["2022-23.xlsm", "2022-23.xls", "2022-23.ods", "2022-23.XLSB"])
def test_a_spreadsheet_of_another_kind_in_data_is_named_not_skipped(project, capsys, name):
    (project / "data" / "returns" / name).write_bytes(b"PK\x03\x04 not read")
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert f"data/returns/{name}: is " in err and "save it as an Excel Workbook (.xlsx)" in err, err
    assert run_cli(project, "validate") == 1
    assert f"data/returns/{name}" in capsys.readouterr().err
    assert run_cli(project, "validate", f"data/returns/{name}") == 1
    assert "save it as an Excel Workbook (.xlsx)" in capsys.readouterr().err


# --- item 15: names that show as something they are not, or do not fit

@pytest.mark.parametrize("column, name, char", [
    ("org_name", "Gamma \u202eTSURT SHN\u202c Community", "U+202E RIGHT-TO-LEFT OVERRIDE, at character 7"),
    ("org_name", "Gamma\u200b Community NHS Trust", "U+200B ZERO WIDTH SPACE, at character 6"),
    ("org_name", "Gamma \u2067Community\u2069 NHS Trust", "U+2067 RIGHT-TO-LEFT ISOLATE"),
    ("org_type", "Comm\u200dunity", "U+200D ZERO WIDTH JOINER"),
])
def test_bidirectional_and_zero_width_characters_in_names_are_refused_where_they_are(project, capsys, column,
                                                                                      name, char):
    from conftest import HEADER, ROWS_2024, write_csv

    rows = [list(r) for r in ROWS_2024]
    rows[2][HEADER.index(column)] = name
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert f"data/returns/2024-25.csv, row 4, column {column}: holds an invisible character, {char}" in err, err


def test_a_long_unbroken_name_is_never_cut_off_a_pdf_that_cannot_hold_it_is_an_error(project):
    """Issue 17 wanted a 2,000-character name wrapped, never cut off; issue 19 makes every
    infographic one A4 page, so a name that cannot fit one is a build error naming the
    organisation (shortened in the message), never a PDF that silently loses it. The web
    page still shows it whole."""
    from bounded import run_bounded
    from conftest import HEADER, ROWS_2024, write_csv

    name = "Gamma" + "x" * 1_995
    rows = [list(r) for r in ROWS_2024]
    rows[2][HEADER.index("org_name")] = name
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)
    code, err = run_bounded(project, "build", seconds=600)
    assert code == 1, err
    assert "must fit one A4 page" in err and "(pdf/organisations/ccc.pdf)" in err
    assert name not in err                      # the message names it, shortened, not 2,000 characters
    code, err = run_bounded(project, "build", "--no-pdf", seconds=600)
    assert code == 0, err
    assert name in (project / "build" / "organisations" / "ccc.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("body", ["*a" * 100_000, ("word " * 20 + "\n\n") * 200_000])
def test_a_content_page_too_large_to_be_a_page_is_a_message_in_bounded_time(project, body):
    from bounded import run_bounded

    (project / "content" / "hostile.md").write_text(f"---\ntitle: Hostile\n---\n{body}\n", encoding="utf-8")
    code, err = run_bounded(project, "build", "--no-pdf", seconds=120)
    assert code == 1
    assert "content/hostile.md: is " in err and "KB of Markdown a content page may hold" in err, err


def test_a_name_longer_than_any_organisations_is_refused_where_it_is(project):
    from bounded import run_bounded
    from conftest import HEADER, ROWS_2024, write_csv

    rows = [list(r) for r in ROWS_2024]
    rows[2][HEADER.index("org_name")] = "Gamma " * 16_000
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)
    code, err = run_bounded(project, "build", "--no-pdf", seconds=120)
    assert code == 1
    assert "data/returns/2024-25.csv, row 4, column org_name: is 95,999 characters long; a name or type is at " \
           "most 2,000" in err, err
    assert len(err) < 1000
