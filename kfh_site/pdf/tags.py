"""Completes WeasyPrint's PDF/UA structure tree where it falls short (WeasyPrint 70).

WeasyPrint tags headings, paragraphs, lists, tables and figures, but:
- writes TH cells without /Scope (WeasyPrint issue #2508), so a screen reader cannot
  tell column headers from row headers;
- gives TH cells an /ID without the /IDTree the PDF spec requires when IDs are used;
- takes a figure's /Alt from an SVG's <title> only, never from aria-label;
- writes a figure's /BBox in CSS pixels from the page's top left, where PDF wants
  points from its bottom left (some boxes ran off the page);
- tags an element with no content (a tile's status mark, drawn as a background) as a
  /Span of nothing, which a screen reader announces as an empty group.
This runs as ``write_pdf(finisher=...)``, before the file is serialised, so output
stays deterministic. It leans on WeasyPrint internals (``box.mark``): the PDF tests walk
the structure tree so an upgrade that breaks it fails loudly.
"""

from __future__ import annotations

import pydyf

from kfh_site.errors import TaggingError

SCOPES = {"row": "/Row", "col": "/Column", "column": "/Column", "both": "/Both"}


def complete_tags(document, pdf) -> None:
    """What WeasyPrint's tagging leaves out, added to the finished PDF: a scope on every
    table header, a text alternative on every figure, and the IDTree of the ids it names.
    A figure without an alternative is a TaggingError rather than a PDF that fails PDF/UA."""
    alternatives = _scope_headers_and_find_alternatives(document)
    heights = {str(reference): page.height * PT_PER_PX for reference, page in zip(pdf.page_references,
                                                                                 document.pages, strict=False)}
    ids = []
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Type") != "/StructElem":
            continue
        if obj.get("S") == "/Span" and not obj.get("K"):
            _drop(pdf, obj)
            continue
        if obj.get("S") == "/Figure" and "Alt" not in obj:
            x, y = obj["A"]["BBox"][:2]
            label = alternatives.get((round(x, 2), round(y, 2)))
            if not label:
                raise TaggingError(f"a figure at {x:.0f},{y:.0f} has no text alternative")
            obj["Alt"] = pydyf.String(label)
        if obj.get("S") == "/Figure" and "A" in obj and "BBox" in obj["A"]:
            obj["A"]["BBox"] = _in_points(obj["A"]["BBox"], heights.get(str(obj.get("Pg")), 0.0))
        if "ID" in obj:
            ids.append((obj["ID"], obj.reference))
    if ids:
        root = pdf.objects[int(pdf.catalog["StructTreeRoot"].split()[0])]
        names = pydyf.Array()
        for key, reference in sorted(ids, key=lambda item: item[0].data):
            names.extend((key, reference))
        root["IDTree"] = pydyf.Dictionary({"Names": names})


def _drop(pdf, element: pydyf.Dictionary) -> None:
    """An element with nothing in it taken out of the structure tree: out of its parent's
    kids, and emptied (its object number stays, so every other reference holds)."""
    parent = pdf.objects[int(element["P"].split()[0])]
    kids = parent.get("K")
    if isinstance(kids, pydyf.Array):
        reference = element.reference
        parent["K"] = pydyf.Array(kid for kid in kids if kid != reference)
    element.clear()


PT_PER_PX = 0.75
"""A CSS pixel is 1/96 inch, a PDF point 1/72."""


def _in_points(box, page_height: float) -> pydyf.Array:
    """A box in CSS pixels from the top left as PDF wants it: points from the bottom left."""
    x1, y1, x2, y2 = (float(v) for v in box)
    return pydyf.Array((round(x1 * PT_PER_PX, 3), round(page_height - y2 * PT_PER_PX, 3),
                        round(x2 * PT_PER_PX, 3), round(page_height - y1 * PT_PER_PX, 3)))


def _scope_headers_and_find_alternatives(document) -> dict[tuple[float, float], str]:
    """Set each ``th``'s scope in its mark; return each labelled box's text alternative by
    the box's position, where the figure's tag will find it."""
    alternatives: dict[tuple[float, float], str] = {}
    for page in document.pages:
        for box in page._page_box.descendants(placeholders=True):
            box = getattr(box, "_box", box)
            element = getattr(box, "element", None)
            if element is None:
                continue
            mark = getattr(box, "mark", None)
            if box.element_tag == "th" and isinstance(mark, pydyf.Dictionary):
                scope = (element.get("scope") or "col").lower()
                mark.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
                mark["A"]["Scope"] = SCOPES.get(scope, "/Column")
            label = element.get("aria-label") or element.get("alt")
            if label and hasattr(box, "content_box_x"):
                alternatives[(round(box.content_box_x(), 2), round(box.content_box_y(), 2))] = label
    return alternatives
