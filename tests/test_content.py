"""Markdown pages: front matter checked, extensions on, raw HTML sanitised."""

from pathlib import Path

import pytest

from kfh_site.config import DEFAULT_ABBREVIATIONS
from kfh_site.content import load_pages, read_page
from kfh_site.errors import ContentError

REPO = Path(__file__).resolve().parent.parent


def page(tmp_path: Path, text: str, name: str = "policy.md", raw: bool = False):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_page(path, tmp_path, DEFAULT_ABBREVIATIONS, raw)


GOOD = "---\ntitle: Policy\nsummary: The policy.\nnav_order: 1\n---\n"


def test_the_repository_content_pages_all_load():
    pages = load_pages(REPO / "content", REPO, DEFAULT_ABBREVIATIONS)
    slugs = [p.slug for p in pages]
    for wanted in ("staff-ratio-policy", "topol-review", "knowledge-management", "a-million-decisions",
                   "methodology", "about-the-data", "accessibility"):
        assert wanted in slugs
    assert [p.nav_order for p in pages] == sorted(p.nav_order for p in pages)


def test_markdown_extensions_tables_footnotes_abbreviations_attributes(tmp_path):
    body = ("## Ratios {#ratios .lead}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "Each LKS counts WTE.[^1]\n\n[^1]: A footnote.\n")
    html = page(tmp_path, GOOD + body).html
    assert '<h2 class="lead" id="ratios">' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<abbr title="whole-time equivalent">WTE</abbr>' in html
    assert 'class="footnote"' in html


@pytest.mark.parametrize("front, message", [
    ("---\nsummary: s\nnav_order: 1\n---\n", "policy.md, front matter: missing 'title'"),
    ("---\ntitle: T\nsummary: s\nnav_order: first\n---\n", "'nav_order' must be a whole number, got 'first'"),
    ("---\ntitle: [T\nsummary: s\n---\n", "policy.md, line 3: front matter is not valid YAML"),
    ("---\ntitle: T\nsumary: s\nnav_order: 1\n---\n", "unknown key 'sumary'"),
    ("# No front matter\n", "policy.md, line 1: expected front matter"),
])
def test_bad_front_matter_is_an_error_naming_the_file(tmp_path, front, message):
    with pytest.raises(ContentError) as caught:
        page(tmp_path, front + "Body\n")
    assert message in str(caught.value)


def test_raw_html_is_sanitised_by_default(tmp_path):
    body = ('<script>alert(1)</script>\n\n<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a></p>\n\n'
            '[ok](https://www.hee.nhs.uk/)\n')
    html = page(tmp_path, GOOD + body).html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert '<a href="https://www.hee.nhs.uk/">ok</a>' in html


def test_allow_raw_html_trusts_the_authors(tmp_path):
    html = page(tmp_path, GOOD + '<div class="x" data-note="kept">Kept</div>\n', raw=True).html
    assert 'data-note="kept"' in html


def test_a_page_name_that_would_clash_with_a_generated_page_is_refused(tmp_path):
    with pytest.raises(ContentError) as caught:
        page(tmp_path, GOOD, name="index.md")
    assert "index.md" in str(caught.value)


def test_a_page_with_three_or_more_sections_lists_them(tmp_path):
    body = "## One\n\nText\n\n## Two\n\nText\n\n### Two a\n\n## Three\n\nText\n"
    toc = page(tmp_path, GOOD + body).toc_html
    assert '<a href="#one">One</a>' in toc and '<a href="#two-a">Two a</a>' in toc
    assert page(tmp_path, GOOD + "## Only\n\nText\n", name="short.md").toc_html == ""
