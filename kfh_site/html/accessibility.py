"""The accessibility statement a project gets when it writes none of its own.

The accessibility regulations ask a statement to say how to contact the publisher, what
is not accessible and when the statement was reviewed. Written from what the build
knows: the ``[contact]`` setting, whether PDFs were made and what they hold, whether
authors' raw HTML is published as written, and the publication date as the review date.
"""

from __future__ import annotations

from typing import Mapping

from kfh_site.config import SiteConfig
from kfh_site.html.content import Page, with_own_page
from kfh_site.story import formatting as fmt

SLUG = "accessibility"


def with_accessibility_statement(pages: list[Page], config: SiteConfig, with_pdf: bool,
                                 abbreviations: Mapping[str, str]) -> list[Page]:
    """The project's pages, and kfh-site's own accessibility statement if it has none."""
    return with_own_page(pages, SLUG, accessibility_statement(config, with_pdf), abbreviations)


def contact_lines(config: SiteConfig) -> list[str]:
    """How to reach the publisher, as Markdown list items; empty without ``[contact]``."""
    contact = config.contact
    lines = []
    if contact.email:
        lines.append(f"- email: [{contact.email}](mailto:{contact.email})")
    if contact.phone:
        lines.append(f"- telephone: {contact.phone}")
    if contact.address:
        lines.append(f"- post: {contact.address}")
    return lines


def accessibility_statement(config: SiteConfig, with_pdf: bool) -> str:
    """The statement as Markdown, from the settings and what this build makes."""
    contact = contact_lines(config)
    reviewed = fmt.date(config.published)
    lines = [
        "---",
        "title: Accessibility statement",
        "summary: How accessible this website is, what we know is not yet accessible, and how to contact us "
        "about a problem.",
        "nav_order: 90",
        "---",
        "",
        f"This accessibility statement applies to this website, {config.title}, published by {config.publisher}. "
        "It covers every page, the data downloads" + (" and the PDF versions of pages." if with_pdf else "."),
        "",
        "We want as many people as possible to be able to use this website. For example, that means you should "
        "be able to:",
        "",
        "- change colours, contrast levels and fonts using your browser or device settings",
        "- zoom in up to 400% without the text spilling off the screen",
        "- use the website on a screen as narrow as 320 pixels without scrolling sideways",
        "- get around the whole website using just a keyboard",
        "- listen to the website using a screen reader",
        "",
        "## How accessible this website is",
        "",
        "The website is designed to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 to level AA:",
        "",
        "- every chart on a web page has a text description and a table of the same numbers",
        "- colour never carries meaning on its own: every status is also written in words",
        "- you can use every part of the website with a keyboard, and a \"skip to main content\" link is the "
        "first thing you reach",
        "- the website works without JavaScript, except search",
        "",
        "## Feedback and contact information",
        "",
    ]
    if contact:
        lines += ["If you need information on this website in a different format, or you find a problem not listed "
                  f"on this page, contact {config.publisher}:", "", *contact, ""]
    else:
        lines += ["If you need information on this website in a different format, or you find a problem not listed "
                  f"on this page, contact {config.publisher}, the publisher named in the footer of every page.", ""]
    lines += [
        "We will reply and tell you how long it will take to deal with your request.",
        "",
        "## Enforcement procedure",
        "",
        "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies "
        "(Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the \"accessibility "
        "regulations\"). If you are not happy with how we respond to your complaint, contact the [Equality "
        "Advisory and Support Service (EASS)](https://www.equalityadvisoryservice.com/).",
        "",
        "## Compliance status",
        "",
        "This website is partially compliant with the [Web Content Accessibility Guidelines version "
        "2.2](https://www.w3.org/TR/WCAG22/) AA standard, because of the content listed below.",
        "",
        "## Non-accessible content",
        "",
        "- Our testing is automated. Some checks, such as whether a text description makes sense, need a person, "
        "and no manual audit with disabled people has been done yet.",
        "- On a narrow screen, wide data tables scroll sideways inside their own box, which you can reach and "
        "scroll with the keyboard.",
    ]
    if with_pdf:
        lines += [
            "- PDFs are tagged (PDF/UA-1) and each chart in them has alternative text that states its numbers, "
            "but only the trend chart has a table of its numbers beside it: the tables for the other charts are "
            "on the web page each PDF links to. The PDFs have not been checked with a dedicated PDF/UA checker.",
        ]
    if config.allow_raw_html:
        lines += ["- Some pages hold HTML written by this website's authors and published as written; kfh-site's "
                  "own checks cover it only when the site is checked before publishing."]
    lines += [
        "",
        "We are not claiming disproportionate burden for any content.",
        "",
        "## Preparation of this accessibility statement",
        "",
        f"This statement was prepared on {reviewed}. It was last reviewed on {reviewed}, when this version of "
        "the website was published.",
        "",
        "kfh-site, the software that builds this website, is tested on every kind of page with "
        "[axe-core](https://github.com/dequelabs/axe-core) in a browser at 1,280 and 320 pixels wide; `kfh-site "
        "check` runs the same checks on a build, and checks its PDFs for tags, language and title.",
        "",
    ]
    return "\n".join(lines)
