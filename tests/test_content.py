"""Markdown pages: front matter checked, extensions on, raw HTML sanitised; pages as
authors write them (title only, no front matter, folders, tables) built and read back."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_project, run_cli

from kfh_site.check.checks import check_site
from kfh_site.config import DEFAULT_ABBREVIATIONS
from kfh_site.errors import ContentError
from kfh_site.html.content import load_pages, read_page

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
                   "methodology", "about-the-data"):
        assert wanted in slugs
    # The accessibility statement is kfh-site's own, written by each build (html/accessibility.py).
    assert "accessibility" not in slugs
    assert [p.nav_order for p in pages] == sorted(p.nav_order for p in pages)


def test_markdown_extensions_tables_footnotes_abbreviations_attributes(tmp_path):
    body = ("## Ratios {#ratios .lead}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "Each LKS counts WTE.[^1]\n\n[^1]: A footnote.\n")
    html = page(tmp_path, GOOD + body).html
    assert '<h2 class="lead" id="ratios">' in html
    assert '<table aria-labelledby="ratios">' in html and "<td>1</td>" in html
    assert '<abbr title="whole-time equivalent">WTE</abbr>' in html
    assert 'class="footnote"' in html


@pytest.mark.parametrize("front, message", [
    ("---\nsummary: s\nnav_order: 1\n---\n", "policy.md, front matter: missing 'title'"),
    ("---\ntitle: T\nsummary: s\nnav_order: first\n---\n", "'nav_order' must be a whole number, got 'first'"),
    ("---\ntitle: [T\nsummary: s\n---\n", "policy.md, line 3: front matter is not valid YAML"),
    ("---\ntitle: T\nsumary: s\nnav_order: 1\n---\n", "unknown key 'sumary'"),
    ("---\ntitle: T\n", "policy.md, line 1: the front matter that starts here has no closing '---' line"),
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


@pytest.mark.parametrize("raw, forbidden", [
    ('<table><tr><td style="position:fixed;inset:0;z-index:9999;background:#fff url(http://evil.example/x)">'
     'Site moved</td></tr></table>', ("style", "position:fixed", "evil.example")),
    ('<p style="background:url(https://evil.example/track)">x</p>', ("style", "evil.example")),
    ('<iframe src="https://evil.example/"></iframe>', ("<iframe", "evil.example")),
    ('<form action="https://evil.example/"><input name="password"></form>', ("<form", "<input", "evil.example")),
    ('<style>body { display: none }</style>', ("<style", "display: none")),
    ('<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>', ("data:",)),
    ('<a href="vbscript:msgbox(1)">x</a>', ("vbscript:",)),
    ('<svg><script>alert(1)</script></svg>', ("<svg", "<script")),
    ('<object data="https://evil.example/x.swf"></object>', ("<object", "evil.example")),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', ("<meta", "evil.example")),
    ('<base href="https://evil.example/">', ("<base", "evil.example")),
    ('<div role="region" tabindex="0" aria-label="x" onmouseover="steal()">x</div>', ("onmouseover",)),
])
def test_each_dangerous_construct_is_removed_by_the_sanitiser(tmp_path, raw, forbidden):
    html = page(tmp_path, GOOD + raw + "\n\nAfter.\n").html
    for text in forbidden:
        assert text not in html
    assert "After." in html


def test_markdown_column_alignment_survives_as_a_class_not_a_style(tmp_path):
    html = page(tmp_path, GOOD + "| a | b | c |\n|:--|--:|:-:|\n| 1 | 2 | 3 |\n").html
    assert "style" not in html
    assert '<td class="align-left">1</td>' in html
    assert '<td class="align-right">2</td>' in html
    assert '<th class="align-center" scope="col">c</th>' in html


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


# --- pages as authors write them --------------------------------------------------------


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Element | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element] = []
        self.parts: list["str | Element"] = []  # text and children, in document order

    def all(self, tag: str) -> list["Element"]:
        found = [self] if self.tag == tag else []
        for child in self.children:
            found.extend(child.all(tag))
        return found

    def one(self, tag: str) -> "Element":
        found = self.all(tag)
        assert len(found) == 1, f"expected one <{tag}>, found {len(found)}"
        return found[0]

    def find(self, tag: str, **attrs: str) -> list["Element"]:
        return [e for e in self.all(tag) if all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    @property
    def all_text(self) -> str:
        return " ".join("".join(p if isinstance(p, str) else f" {p.all_text} " for p in self.parts).split())


class Tree(HTMLParser):
    """Just enough of an HTML tree to ask where an element is and what is in it."""

    VOID = {"meta", "link", "img", "br", "hr", "input"}

    def __init__(self, html: str):
        super().__init__()
        self.root = self.current = Element("#root", {}, None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        self.current.parts.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data)


def tree(html: str) -> Element:
    return Tree(html).root


def built(tmp_path: Path, files: dict[str, str]) -> Path:
    """A project with the repo's pages plus ``files`` (paths under content/), built."""
    project = make_project(tmp_path / "project")
    for name, text in files.items():
        path = project / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert run_cli(project, "build", "--no-pdf") == 0
    return project / "build"


def main_nav(page: Element) -> list[tuple[str, str, str]]:
    nav = page.find("nav", aria_label="Main")[0]
    return [(a.all_text, a.attrs["href"], a.attrs.get("aria-current", "")) for a in nav.all("a")]


def test_a_page_with_only_a_title_builds_with_no_lead_and_a_description_from_its_text(tmp_path):
    build = built(tmp_path, {"reading-list.md": "---\ntitle: Reading list\n---\n\nBooks we *recommend* for "
                             "library teams.\n\nMore text.\n"})
    page = tree((build / "reading-list.html").read_text())
    assert page.one("h1").all_text == "Reading list"
    assert page.find("p", **{"class": "lead"}) == []
    assert page.find("meta", name="description")[0].attrs["content"] == "Books we recommend for library teams."
    # No nav_order: after every ordered page, just before Open data.
    assert [title for title, _, _ in main_nav(page)][-3:] == ["About the data", "Reading list", "Open data"]


def test_a_page_without_front_matter_takes_its_title_from_its_first_heading(tmp_path):
    build = built(tmp_path, {"case-studies.md": "# Case studies\n\nWhat library teams did.\n\n## One\n\nText.\n"})
    page = tree((build / "case-studies.html").read_text())
    assert [h.all_text for h in page.all("h1")] == ["Case studies"]  # printed once, by the template
    assert page.one("title").all_text.startswith("Case studies - ")
    assert "What library teams did." in page.one("main").all_text


def test_a_heading_that_repeats_the_front_matter_title_is_not_printed_twice(tmp_path):
    result = page(tmp_path, "---\ntitle: Policy\n---\n# Policy\n\nText.\n")
    assert "<h1" not in result.html and result.title == "Policy"


@pytest.mark.parametrize("text, message", [
    ("Just some text.\n", "policy.md, front matter: missing 'title': start the page with a '# Title' line"),
    ("---\nsummary: s\n---\nText.\n", "add front matter with 'title: ...'"),
    ("# Title\n\n# Another\n", "policy.md: '# Another' is a second top-level heading"),
])
def test_a_page_with_no_title_or_two_is_an_error_saying_what_to_do(tmp_path, text, message):
    with pytest.raises(ContentError) as caught:
        page(tmp_path, text)
    assert message in str(caught.value)


def test_pages_without_an_order_follow_the_ordered_ones_by_title(tmp_path):
    for name, text in {"b.md": "# Zebra\n", "a.md": "# apple\n", "c.md": "---\ntitle: Last\nnav_order: 5\n---\n"}.items():
        (tmp_path / name).write_text(text)
    assert [p.title for p in load_pages(tmp_path, tmp_path, DEFAULT_ABBREVIATIONS)] == ["Last", "apple", "Zebra"]


def test_a_page_in_a_folder_is_a_section_with_its_own_navigation(tmp_path):
    build = built(tmp_path, {
        "blog/post.md": "# First post\n\nHello. ![A chart](chart.svg)\n\nSee the [methodology](../methodology.html).\n",
        "blog/chart.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
        "blog/earlier.md": "---\ntitle: An earlier post\nsummary: The one before.\nnav_order: 1\n---\nText.\n",
    })
    post = tree((build / "blog" / "post.html").read_text())
    assert [link.attrs["href"] for link in post.find("link", rel="stylesheet")] == [
        "../assets/palette.css", "../assets/style.css"]
    nav = main_nav(post)
    assert ("Methodology", "../methodology.html", "") in nav and ("England", "../index.html", "") in nav
    assert ("Blog", "index.html", "true") in nav  # the section is where we are, not this page
    assert (build / "blog" / "chart.svg").is_file()
    assert post.find("img", alt="A chart")[0].attrs["src"] == "chart.svg"
    crumbs = post.find("nav", aria_label="Breadcrumb")[0]
    assert [(a.all_text, a.attrs["href"]) for a in crumbs.all("a")] == [("England", "../index.html"), ("Blog", "index.html")]
    section_nav = post.find("nav", aria_label="Blog")[0]
    assert [(a.all_text, a.attrs["href"], a.attrs.get("aria-current")) for a in section_nav.all("a")] == [
        ("Blog", "index.html", None), ("An earlier post", "earlier.html", None), ("First post", "post.html", "page")]

    index = tree((build / "blog" / "index.html").read_text())
    assert index.one("h1").all_text == "Blog"
    links = [(a.all_text, a.attrs["href"]) for a in index.one("main").all("a")]
    assert links == [("An earlier post", "earlier.html"), ("First post", "post.html")]
    assert "The one before." in index.one("main").all_text
    assert ("Blog", "index.html", "page") in main_nav(index)

    home = tree((build / "methodology.html").read_text())
    assert ("Blog", "blog/index.html", "") in main_nav(home)
    assert check_site(build, "/kfh-report/") == []


def test_a_section_landing_page_names_and_orders_the_section(tmp_path):
    build = built(tmp_path, {
        "stories/index.md": "---\ntitle: Impact stories\nsummary: What library teams changed.\nnav_order: 15\n---\n"
                            "Stories from services.\n",
        "stories/ward.md": "# A ward round\n\nText.\n",
    })
    landing = tree((build / "stories" / "index.html").read_text())
    assert landing.one("h1").all_text == "Impact stories"
    assert "Stories from services." in landing.one("main").all_text
    nav = [title for title, _, _ in main_nav(landing)]
    assert nav.index("Impact stories") == nav.index("Staff ratio policy") + 1  # nav_order 15: after 10, before 20
    ward = tree((build / "stories" / "ward.html").read_text())
    assert [a.all_text for a in ward.find("nav", aria_label="Impact stories")[0].all("a")] == [
        "Impact stories", "A ward round"]
    assert check_site(build, "/kfh-report/") == []


@pytest.mark.parametrize("files, message", [
    ({"blog/2024/post.md": "# Post\n"}, "content/blog/2024/post.md: pages can be at most one folder deep"),
    ({"search/page.md": "# Page\n"}, "content/search/: the folder name makes the section address search/"),
    ({"Blog/page.md": "# Page\n"}, "content/Blog/: the folder name makes the section address Blog/"),
    ({"blog.md": "# Blog\n", "blog/post.md": "# Post\n"}, "content/blog.md: the page and the folder blog/ would both be"),
    ({"downloads.md": "# Downloads\n"}, "content/downloads.md: the file name makes the page address downloads.html"),
])
def test_a_page_or_folder_kfh_site_cannot_publish_is_an_error_naming_it(tmp_path, capsys, files, message):
    project = make_project(tmp_path / "project")
    for name, text in files.items():
        (project / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "content" / name).write_text(text)
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (project / "build").exists()


def test_an_image_in_a_section_page_can_be_anywhere_in_content_but_not_outside(tmp_path):
    (tmp_path / "content" / "blog").mkdir(parents=True)
    (tmp_path / "content" / "shared.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    post = tmp_path / "content" / "blog" / "post.md"
    post.write_text("# Post\n\n![Shared](../shared.svg)\n")
    pages = load_pages(tmp_path / "content", tmp_path, DEFAULT_ABBREVIATIONS)
    assert pages[0].images == ("shared.svg",) and pages[0].path == "blog/post.html"
    post.write_text("# Post\n\n![Outside](../../secret.svg)\n")
    (tmp_path / "secret.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(ContentError, match="content/blog/post.md: the image ../../secret.svg is outside the content folder"):
        load_pages(tmp_path / "content", tmp_path, DEFAULT_ABBREVIATIONS)


TABLE = "| Region | Ratio |\n|---|---:|\n| London | 1 : 1,180 |\n| North | 1 : 2,255 |\n"


def scroll_region(html: str) -> Element:
    """The one table's scroll region, checked to be focusable and to hold no caption."""
    region = tree(html).one("div")
    assert region.attrs["class"] == "table-scroll" and region.attrs["role"] == "region"
    assert region.attrs["tabindex"] == "0"
    assert region.all("caption") == []
    return region


def caption_of(html: str) -> Element:
    """The table's caption: a paragraph just before its scroll region (outside it, so a
    phone never cuts it off), naming both the region and the table."""
    root = tree(html)
    region = scroll_region(html)
    siblings = region.parent.children
    caption = siblings[siblings.index(region) - 1]
    assert caption.tag == "p" and caption.attrs["class"] == "table-caption"
    assert region.attrs["aria-labelledby"] == caption.attrs["id"] == region.one("table").attrs["aria-labelledby"]
    assert len(root.find("p", id=caption.attrs["id"])) == 1
    return caption


@pytest.mark.parametrize("raw", [False, True])
def test_a_table_line_before_a_table_becomes_its_caption_in_a_labelled_scroll_region(tmp_path, raw):
    html = page(tmp_path, GOOD + "Intro.\n\nTable 1: Staff ratios by region\n\n" + TABLE, raw=raw).html
    assert caption_of(html).all_text == "Table 1: Staff ratios by region"
    assert "<p>Table 1" not in html and html.count("Table 1: Staff ratios by region") == 1


def test_a_caption_line_written_against_the_table_still_captions_it(tmp_path):
    html = page(tmp_path, GOOD + "Table 2. Staff ratios by region\n" + TABLE).html
    assert caption_of(html).all_text == "Table 2. Staff ratios by region"


def test_a_table_caption_can_be_an_attribute_line_after_the_table(tmp_path):
    html = page(tmp_path, GOOD + TABLE + '{: caption="Staff ratios by region" #ratios }\n').html
    table = scroll_region(html).one("table")
    assert table.attrs["id"] == "ratios" and caption_of(html).all_text == "Staff ratios by region"
    assert caption_of(html).attrs["id"] == "ratios-caption"
    assert "{:" not in html


def test_the_site_builds_the_staff_ratio_table_with_its_caption(small_site):
    main = tree((small_site / "staff-ratio-policy.html").read_text()).one("main")
    region = main.find("div", role="region")[0]
    assert region.all("caption") == []
    caption = main.find("p", id=region.attrs["aria-labelledby"])[0]
    assert caption.attrs["class"] == "table-caption"
    assert caption.all_text.startswith("Table 1: qualified library and knowledge staff and NHS staff by region, 2018")
    assert region.one("table").attrs["aria-labelledby"] == caption.attrs["id"] and region.attrs["tabindex"] == "0"


def test_row_headers_when_the_first_header_cell_is_empty(tmp_path):
    html = page(tmp_path, GOOD + "|   | Ratio |\n|---|---|\n| London | 1 : 1,180 |\n").html
    table = scroll_region(html).one("table")
    assert [(th.all_text, th.attrs.get("scope")) for th in table.all("th")] == [("Ratio", "col"), ("London", "row")]
    assert table.one("thead").all("td")[0].all_text == ""  # the empty corner is not a header


def test_row_headers_when_the_author_marks_the_table(tmp_path):
    html = page(tmp_path, GOOD + TABLE + "{: .row-headers }\n").html
    rows = [th.all_text for th in scroll_region(html).one("tbody").find("th", scope="row")]
    assert rows == ["London", "North"]


def test_a_plain_table_keeps_data_cells_and_its_region_is_named_by_its_section(tmp_path):
    html = page(tmp_path, GOOD + "## Ratios\n\n" + TABLE).html
    region = scroll_region(html)
    assert region.one("tbody").all("th") == [] and region.attrs["aria-labelledby"] == "ratios"


@pytest.mark.parametrize("text, message", [
    ("Table 1: Ratios\n\n" + TABLE + '{: caption="Ratios" }\n', "has two captions"),
    (TABLE + '{: summary="x" }\n', "a table attribute summary='x' is not known"),
])
def test_bad_table_attributes_are_errors(tmp_path, text, message):
    with pytest.raises(ContentError, match="policy.md: "):
        page(tmp_path, GOOD + text)
    with pytest.raises(ContentError) as caught:
        page(tmp_path, GOOD + text)
    assert message in str(caught.value)


def test_raw_html_cannot_borrow_the_scroll_region_attributes(tmp_path):
    html = page(tmp_path, GOOD + '<div role="alert" tabindex="5" aria-label="x">Hi</div>\n').html
    assert 'role="alert"' not in html and 'tabindex="5"' not in html
