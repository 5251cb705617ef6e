"""Python-Markdown extension for content pages: what authors write, as the site needs it.

- A page's ``# heading`` can be its title: it is taken out of the body, because the
  template prints the one h1.
- A Markdown table gets a caption (from a "Table 1: ..." paragraph just before it, or a
  ``{: caption="..."}`` line just after it), row headers when its first column labels
  the rows, and a labelled, focusable scroll region, as the site's own tables have, so a
  wide table never makes the page scroll sideways at 320 px.
- The first paragraph's text is kept, for the description of a page without a summary.

The tree is changed before sanitising; the sanitiser in content.py allows exactly the
attributes added here. Findings go to a ``PageFacts`` made for one conversion, not to
module state.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass, field

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import get_attrs_and_remainder
from markdown.extensions.toc import remove_fnrefs, render_inner_html, strip_tags, unique
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

TABLE_LABEL = re.compile(r"^Table\s+\d+(?:\.\d+)?[a-z]?\s*[:.\u2013\u2014]\s+\S", re.I)
"""A paragraph that captions the table right after it: "Table 1: Staff ratios by region"."""
TABLE_ATTRIBUTES = re.compile(r"^\{:?[ \t]*(.*?)[ \t]*:?\}[ \t]*$")
"""A line of attributes for the table right before it: {: caption="..." .row-headers}."""
ROW_HEADERS_CLASS = "row-headers"
HEADING = re.compile(r"^h[1-6]$")


@dataclass
class PageFacts:
    """What one conversion found: filled in by the treeprocessors, read by content.py."""

    title_wanted: bool
    """True when the front matter gives no title, so the first '# heading' is the title."""
    front_title: str = ""
    title: str = ""
    first_paragraph: str = ""
    problems: list[str] = field(default_factory=list)


class PageExtension(Extension):
    """kfh-site's Markdown additions: the page title taken out, tables given captions and scroll regions, facts noted
    for checks."""
    def __init__(self, facts: PageFacts) -> None:
        super().__init__()
        self.facts = facts

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        """Register the processors at the points the standard extensions leave for them."""
        md.preprocessors.register(_TableSpacing(md), "kfh_table_spacing", 25)
        # After attr_list (8) and abbr (7), before toc (5): toc must not list the title.
        md.treeprocessors.register(_Title(md, self.facts), "kfh_title", 6)
        # After toc, so a table region can be named by the heading ids toc gave.
        md.treeprocessors.register(_Tables(md, self.facts), "kfh_tables", 4)
        md.treeprocessors.register(_FirstParagraph(md, self.facts), "kfh_first_paragraph", 3)
        md.treeprocessors.register(_Ratios(md), "kfh_ratios", 2)


RATIO = re.compile(r"(?<![\d,.])(\d+)[ \t\n]+:[ \t\n]+(\d)")
"""A ratio as authors write it, "1 : 1,250": its parts joined by no-break spaces."""


class _Ratios(Treeprocessor):
    """A ratio in a page's text ("1 : 1,250") never splits across two lines on a phone,
    as the ratios the site writes itself do not (formatting.ratio); code is left as written."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag not in ("code", "pre") and element.text:
                element.text = RATIO.sub("\\1\u00a0:\u00a0\\2", element.text)
            if element.tail:
                element.tail = RATIO.sub("\\1\u00a0:\u00a0\\2", element.tail)


class _TableSpacing(Preprocessor):
    """Python-Markdown needs a blank line between a table and the text around it; authors
    often write the caption line or the attribute line against the table. Add it."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            if out and line.lstrip().startswith("|") and TABLE_LABEL.match(out[-1]):
                out.append("")
            elif out and TABLE_ATTRIBUTES.match(line) and out[-1].lstrip().startswith("|"):
                out.append("")
            out.append(line)
        return out


def text_of(element: etree.Element, md: Markdown) -> str:
    """An element's text as a reader sees it: no tags, no footnote numbers."""
    text = html.unescape(strip_tags(render_inner_html(remove_fnrefs(element), md)))
    return " ".join(text.split())


class _Title(Treeprocessor):
    def __init__(self, md: Markdown, facts: PageFacts) -> None:
        super().__init__(md)
        self.facts = facts

    def run(self, root: etree.Element) -> None:
        headings = list(root.iter("h1"))
        if headings and headings[0] in list(root):
            first = headings[0]
            text = text_of(first, self.md)
            if self.facts.title_wanted or _same(text, self.facts.front_title):
                self.facts.title = text
                root.remove(first)
                headings = headings[1:]
        for heading in headings:
            text = text_of(heading, self.md)
            self.facts.problems.append(
                f"'# {text}' is a second top-level heading; the page title is the only one, "
                f"so make it a section: '## {text}'"
            )


def _same(a: str, b: str) -> bool:
    return bool(b) and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


ALIGNMENT = re.compile(r"^\s*text-align:\s*(left|right|center)\s*;?\s*$")


def align_by_class(cell: etree.Element) -> None:
    """A column's alignment (``|--:|``) as a class, not a ``style`` attribute: the sanitiser
    drops every ``style``, since one can cover the page or fetch from another site."""
    style = cell.attrib.pop("style", None)
    match = ALIGNMENT.match(style or "")
    if match:
        cell.set("class", " ".join(filter(None, [cell.get("class"), f"align-{match.group(1)}"])))


class _Tables(Treeprocessor):
    def __init__(self, md: Markdown, facts: PageFacts) -> None:
        super().__init__(md)
        self.facts = facts

    def run(self, root: etree.Element) -> None:
        used_ids = {el.attrib["id"] for el in root.iter() if "id" in el.attrib}
        parents = {child: parent for parent in root.iter() for child in parent}
        last_heading: dict[etree.Element, etree.Element | None] = {}
        heading = None
        for element in root.iter():
            if HEADING.match(str(element.tag)):
                heading = element
            elif element.tag == "table":
                last_heading[element] = heading
        for number, table in enumerate(last_heading, start=1):
            self.enhance(table, parents[table], last_heading[table], used_ids, number)

    def enhance(self, table: etree.Element, parent: etree.Element, heading: etree.Element | None,
                used_ids: set[str], number: int) -> None:
        """Give one table its caption, attributes, header scopes and a scrolling region
        named by its caption (or its section's heading)."""
        attributes, classes = self.attributes_after(table, parent)
        caption = self.caption_before(table, parent, attributes)
        if "id" in attributes:
            table.set("id", attributes["id"])
            used_ids.add(attributes["id"])
        if classes:
            table.set("class", " ".join(classes))
        self.mark_cells(table, classes)
        wrapper = etree.Element("div", {"class": "table-scroll", "role": "region", "tabindex": "0"})
        # The caption goes before the scroll region, not inside it, where a phone would cut
        # it off with the table's far columns; region and table are both named by it.
        label = None
        if caption is not None:
            base = f"{attributes['id']}-caption" if "id" in attributes else f"table-{number}"
            caption.set("id", unique(base, used_ids))
            label = caption.attrib["id"]
        elif heading is not None and heading.get("id"):
            # No caption: region and table take their name from the section the table is in.
            label = heading.attrib["id"]
        if label:
            wrapper.set("aria-labelledby", label)
            table.set("aria-labelledby", label)
        else:
            wrapper.set("aria-label", "Table")
            table.set("aria-label", "Table")
        wrapper.text = "\n"
        wrapper.tail = table.tail
        table.tail = "\n"
        index = list(parent).index(table)
        parent[index] = wrapper
        wrapper.append(table)
        if caption is not None:
            caption.tail = "\n"
            parent.insert(index, caption)

    def attributes_after(self, table: etree.Element, parent: etree.Element) -> tuple[dict[str, str], list[str]]:
        """The ``{: ...}`` line after a table, taken out of the page."""
        siblings = list(parent)
        index = siblings.index(table)
        after = siblings[index + 1] if index + 1 < len(siblings) else None
        if after is not None and after.tag == "p" and len(after) == 0:
            match = TABLE_ATTRIBUTES.match((after.text or "").strip())
            if match:
                parent.remove(after)
                return self.attributes(match.group(1))
        return {}, []

    def caption_before(self, table: etree.Element, parent: etree.Element,
                       attributes: Mapping[str, str]) -> etree.Element | None:
        """The caption: a 'Table ...' paragraph before the table (taken out of the page), or
        the caption attribute."""
        siblings = list(parent)
        index = siblings.index(table)
        before = siblings[index - 1] if index > 0 else None
        if before is not None and before.tag == "p" and TABLE_LABEL.match(text_of(before, self.md)):
            caption = etree.Element("p", {"class": "table-caption"})
            caption.text = before.text
            caption.extend(list(before))
            parent.remove(before)
            if "caption" in attributes:
                self.facts.problems.append(
                    f"the table after '{text_of(caption, self.md)[:40]}' has two captions (the 'Table' line "
                    "and caption=\"...\"); keep one"
                )
            return caption
        if attributes.get("caption"):
            caption = etree.Element("p", {"class": "table-caption"})
            caption.text = attributes["caption"]
            return caption
        return None

    def mark_cells(self, table: etree.Element, classes: list[str]) -> None:
        """Column headers scoped, cells aligned by class, row headers where asked for or
        where the corner cell is empty."""
        for cell in table.iterfind("thead/tr/th"):
            cell.set("scope", "col")
        for cell in (c for c in table.iter() if c.tag in ("th", "td")):
            align_by_class(cell)
        first_header = table.find("thead/tr/th")
        empty_corner = first_header is not None and not text_of(first_header, self.md)
        if empty_corner or ROW_HEADERS_CLASS in classes:
            self.row_headers(table, first_header if empty_corner else None)

    def attributes(self, text: str) -> tuple[dict[str, str], list[str]]:
        pairs, rest = get_attrs_and_remainder(text)
        found: dict[str, str] = {}
        classes: list[str] = []
        for key, value in pairs:
            if key == ".":
                classes.append(value or "")
            elif key in ("caption", "id"):
                found[key] = value or ""
            else:
                self.facts.problems.append(
                    f"a table attribute {key}={value!r} is not known; a table takes caption=\"...\", "
                    f"#id, .{ROW_HEADERS_CLASS} and other .classes"
                )
        if rest.strip():
            self.facts.problems.append(f"could not read the table attributes {{: {text}}}")
        return found, classes

    def row_headers(self, table: etree.Element, corner: etree.Element | None) -> None:
        """The first cell of each body row labels the row: make it a row header."""
        if corner is not None:
            corner.tag = "td"  # an empty header cell names nothing
            corner.attrib.pop("scope", None)
        for row in table.iterfind("tbody/tr"):
            if len(row):
                row[0].tag = "th"
                row[0].set("scope", "row")


class _FirstParagraph(Treeprocessor):
    def __init__(self, md: Markdown, facts: PageFacts) -> None:
        super().__init__(md)
        self.facts = facts

    def run(self, root: etree.Element) -> None:
        for element in root:
            if element.tag == "p":
                text = text_of(element, self.md)
                if text:
                    self.facts.first_paragraph = text
                    return
