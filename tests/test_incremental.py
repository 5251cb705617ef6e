"""Incremental builds: only what changed is redone, and the result always equals a clean
build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROWS_2024, run_cli, tree_bytes, write_csv


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def clean_build(project: Path, tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / "clean"
    shutil.rmtree(out, ignore_errors=True)
    assert run_cli(project, "build", "--clean", "--out", str(out)) == 0
    return tree_bytes(out)


def change_data(project: Path) -> None:
    rows = [list(r) for r in ROWS_2024]
    rows[2][10] = "251"  # Gamma's literature searches: 250 -> 251
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)


def change_content(project: Path) -> None:
    page = project / "content" / "topol-review.md"
    page.write_text(page.read_text() + "\nOne more sentence about the review.\n")


def change_template(project: Path) -> None:
    template = project / "templates" / "organisation.html"
    template.write_text(template.read_text().replace("<h2 id=\"staffing\">Staffing</h2>", "<h2 id=\"staffing\">Staff</h2>"))


def change_infographic_stylesheet(project: Path) -> None:
    css = project / "templates" / "infographic.css"
    css.write_text(css.read_text() + "\nh1 { letter-spacing: 0.01em; }\n")


def change_config(project: Path) -> None:
    config = project / "kfh-site.toml"
    config.write_text(config.read_text().replace('publisher = "Test LKS team"', 'publisher = "Another LKS team"'))


def change_policy(project: Path) -> None:
    config = project / "kfh-site.toml"
    config.write_text(config.read_text() + "recommended_ratio = 1500\n")


@pytest.mark.parametrize("change", [change_data, change_content, change_template, change_infographic_stylesheet,
                                    change_config, change_policy])
def test_an_incremental_build_after_any_change_equals_a_clean_build(project, tmp_path, change):
    assert run_cli(project, "build") == 0
    before = tree_bytes(project / "build")
    change(project)
    assert run_cli(project, "build") == 0
    after = tree_bytes(project / "build")
    assert after != before, "the change should show in the output"
    assert after == clean_build(project, tmp_path)


def test_only_files_whose_bytes_changed_are_written_again(project, tmp_path, capsys):
    assert run_cli(project, "build") == 0
    before_bytes, before_inodes = tree_bytes(project / "build"), inodes(project / "build")
    change_data(project)
    capsys.readouterr()
    assert run_cli(project, "build") == 0
    after_bytes, after_inodes = tree_bytes(project / "build"), inodes(project / "build")
    changed = {p for p in after_bytes if before_bytes.get(p) != after_bytes[p]}
    rewritten = {p for p in after_inodes if before_inodes.get(p) != after_inodes[p]}
    assert rewritten == changed
    # One organisation's activity changed: its page and PDF, its region's, England's, the
    # downloads and the data page that gives their sizes; nothing else.
    assert {"organisations/ccc.html", "pdf/organisations/ccc.pdf", "regions/north-west.html",
            "pdf/regions/north-west.pdf", "index.html", "pdf/england.pdf", "downloads/figures.csv",
            "downloads/figures.json", "downloads/areas.csv"} <= changed
    assert "organisations/aaa1.html" not in changed and "pdf/organisations/aaa1.pdf" not in changed
    assert "regions/london.html" not in changed and "methodology.html" not in changed
    assert f"{len(changed)} written, {len(after_bytes) - len(changed)} unchanged" in capsys.readouterr().out


def test_a_content_page_change_rewrites_only_that_page(project):
    assert run_cli(project, "build") == 0
    before = inodes(project / "build")
    change_content(project)
    assert run_cli(project, "build") == 0
    after = inodes(project / "build")
    changed = {p for p in after if before.get(p) != after[p]}
    # The page, and the search index, which must find the page's new words.
    assert {p for p in changed if not p.startswith("pagefind/")} == {"topol-review.html"}
    assert any(p.startswith("pagefind/fragment/") for p in changed)


def test_a_no_op_rebuild_touches_nothing(project, capsys):
    assert run_cli(project, "build") == 0
    before = {p: (s.st_ino, s.st_mtime_ns) for p, s in
              ((q.relative_to(project / "build").as_posix(), q.stat()) for q in (project / "build").rglob("*"))}
    capsys.readouterr()
    assert run_cli(project, "build") == 0
    assert "build is up to date: no input has changed since the last build" in capsys.readouterr().out
    after = {p: (s.st_ino, s.st_mtime_ns) for p, s in
             ((q.relative_to(project / "build").as_posix(), q.stat()) for q in (project / "build").rglob("*"))}
    assert after == before


def test_a_hand_edited_or_deleted_output_file_is_put_right(project, tmp_path, capsys):
    assert run_cli(project, "build") == 0
    (project / "build" / "index.html").write_text("edited by hand")
    (project / "build" / "pdf" / "england.pdf").unlink()
    # A file kfh-site did not write is someone's: the build refuses to delete it.
    (project / "build" / "stray.html").write_text("left over")
    assert run_cli(project, "build") == 1
    assert "build holds files kfh-site did not write (stray.html)" in capsys.readouterr().err
    (project / "build" / "stray.html").unlink()
    assert run_cli(project, "build") == 0
    assert tree_bytes(project / "build") == clean_build(project, tmp_path)


def test_a_deleted_or_corrupt_cache_still_gives_the_same_build(project, tmp_path):
    assert run_cli(project, "build") == 0
    cache = project / ".build.kfh-cache"
    assert (cache / "manifest.json").is_file() and len(list((cache / "pdf").glob("*.pdf"))) == 9
    (cache / "manifest.json").write_text("{not json")
    change_template(project)
    assert run_cli(project, "build") == 0
    shutil.rmtree(cache)
    change_content(project)
    assert run_cli(project, "build") == 0
    assert tree_bytes(project / "build") == clean_build(project, tmp_path)


def test_the_pdf_cache_does_not_grow_without_bound(project):
    assert run_cli(project, "build") == 0
    for size in ("19pt", "18pt", "17pt"):
        css = project / "templates" / "infographic.css"
        css.write_text(css.read_text().replace("font-size: 20pt", f"font-size: {size}").replace("19pt", size).replace("18pt", size))
        assert run_cli(project, "build") == 0
    assert len(list((project / ".build.kfh-cache" / "pdf").glob("*.pdf"))) == 9


def test_pages_whose_inputs_did_not_change_are_not_even_rendered_again(project):
    from kfh_site.build.site import build
    from kfh_site.config import load_config

    config = load_config(project / "kfh-site.toml")
    first = build(config, with_pdf=False)
    search_files = sum(1 for p in (project / "build").rglob("*") if p.is_file() and "pagefind" in p.parts)
    # All but the two stylesheets, the search script, four downloads and the search index.
    assert first.pages_rendered == first.files - 7 - search_files
    change_content(project)
    assert build(config, with_pdf=False).pages_rendered == 2  # the page and the sitemap
    change_data(project)
    again = build(config, with_pdf=False)
    # Gamma's page, its region's, England's, the A to Z index (which lists Gamma), and the
    # sitemap; not the other regions' pages nor any other organisation's.
    assert again.pages_rendered == 5


def test_an_organisations_repr_is_short_and_still_tells_every_figure_apart(project):
    """A page's render key is the repr of what the page is given, and England's page and
    the A to Z are given every organisation (issue 20: at 10,000 organisations their keys
    ran to 60 and 120 MB). An organisation's repr is short, and still differs whenever a
    figure does, the previous year's included, so no page is reused when it should not be."""
    from dataclasses import replace

    from kfh_site.build.pipeline import compute, read_returns
    from kfh_site.config import load_config
    from kfh_site.figures.types import Rates

    config = load_config(project / "kfh-site.toml")
    figures = compute(config, read_returns(config))
    org = next(o for o in figures.latest_for_each_org if o.previous is not None and o.rates)
    assert len(repr(org)) < 120 and org.org_code in repr(org)
    assert repr(replace(org)) == repr(org)
    activity = next(iter(org.rates))
    assert org.previous is not None
    changed = [
        replace(org, org_name=org.org_name + " "),
        replace(org, qualified_lks_wte=org.qualified_lks_wte + 0.1),
        replace(org, rates={**org.rates, activity: replace(org.rates[activity], peer_median_per_1000_staff=1.5)}),
        replace(org, previous=replace(org.previous, activity={**org.previous.activity, activity: 123456})),
    ]
    assert isinstance(org.rates[activity], Rates)
    assert len({repr(o) for o in changed} | {repr(org)}) == len(changed) + 1
