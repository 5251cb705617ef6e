"""SVG text laid out a label at a time, not a letter at a time (WeasyPrint 70).

WeasyPrint draws each ``<text>`` of an SVG one letter at a time: a Pango layout per
character, and for a label anchored at its end or middle a form XObject to shift it.
The charts' labels made that most of what a PDF infographic cost. A plain label (one x,
one y, no per-letter offsets, rotation, spacing, baseline shift, transform, clip, filter
or opacity, no child elements) needs none of it: here it is laid out once and drawn at
its anchor, as browsers draw it (with the font's kerning). Anything else is drawn by
WeasyPrint itself. It leans on WeasyPrint internals (``SVG.draw_node``, its text
drawing): ``install`` refuses another WeasyPrint version, and the PDF tests read the
labels' text and positions back so a change that breaks it fails loudly.
"""

from __future__ import annotations

from math import inf

SUPPORTED_WEASYPRINT = "70."
"""The WeasyPrint whose SVG internals this knows."""

NOT_PLAIN = frozenset((
    "transform", "filter", "opacity", "clip-path", "mask", "dx", "dy", "rotate", "letter-spacing",
    "word-spacing", "textLength", "lengthAdjust", "dominant-baseline", "alignment-baseline",
    "display-anchor", "writing-mode", "text-decoration", "marker", "marker-start", "marker-mid",
    "marker-end",
))
"""Attributes that make a label more than plain: WeasyPrint draws those itself."""

_MARK = "_kfh_plain_labels"


def install() -> None:
    """Draw plain SVG labels whole, in this process, from now on. Idempotent (once per
    worker, with the Renderer); another WeasyPrint version is left as it is."""
    import weasyprint
    from weasyprint.svg import SVG

    if not weasyprint.__version__.startswith(SUPPORTED_WEASYPRINT) or getattr(SVG, _MARK, False):
        return
    letter_by_letter = SVG.draw_node

    def draw_node(self, node, font_size, fill_stroke=True, context=None):
        if fill_stroke and node.tag == "text" and _plain(node):
            _draw_label(self, node, font_size)
        else:
            letter_by_letter(self, node, font_size, fill_stroke, context)

    SVG.draw_node = draw_node
    setattr(SVG, _MARK, True)


def _plain(node) -> bool:
    """A label with one position and nothing but a font, a colour and an anchor."""
    attrib = node.attrib
    if not node.visible or not node.text or any(name in attrib for name in NOT_PLAIN):
        return False
    if attrib.get("direction", "ltr") != "ltr" or attrib.get("text-anchor", "start") not in ("start", "middle", "end"):
        return False
    if any(len(str(attrib.get(axis, "0")).replace(",", " ").split()) != 1 for axis in ("x", "y")):
        return False
    return next(iter(node), None) is None


def _draw_label(svg, node, font_size) -> None:
    """The label laid out once and drawn with its anchor applied, as WeasyPrint would
    draw it letter by letter (same font, fill, stroke and baseline)."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import EMPTY_BOUNDING_BOX, extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    font_size = size(node.get("font-size", "1em"), font_size, font_size)
    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_size"] = font_size
    style["font_weight"] = _weight(node.get("font-weight", 400))

    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(str(node.get("x", "0")).replace(",", " ").strip(), font_size, svg.inner_width)
    y = size(str(node.get("y", "0")).replace(",", " ").strip(), font_size, svg.inner_height)
    anchor = node.get("text-anchor", "start")
    x -= width / 2 if anchor == "middle" else width if anchor == "end" else 0
    node.text_bounding_box = extend_bounding_box(EMPTY_BOUNDING_BOX, ((x, y - baseline), (x + width, y - baseline + height)))
    svg.cursor_position = (x + width, y)

    stream = svg.stream
    stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    box = TextBox(layout, style)
    box.baseline = baseline
    emojis = draw_first_line(stream, box, "none", "none", Matrix(d=-1, e=x, f=y))
    stream.end_text()
    stream.pop_state()
    draw_emojis(stream, style, x, y, emojis)


def _weight(value: object) -> int:
    """An SVG font-weight as the number Pango wants (WeasyPrint's own reading of it)."""
    if value == "normal":
        return 400
    if value == "bold":
        return 700
    try:
        return int(str(value))
    except ValueError:
        return 400
