"""One palette for the site's stylesheet, the PDF stylesheet and the charts.

Colour means identity, never status: the accent is "this organisation / this region",
grey is "the others", slate is England; text and reference lines are near-black.
Status is carried by position, words and a shape mark. Every colour that marks
something meets 3 : 1 against white, and text colours 4.5 : 1.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

NHS_BLUE = "#005eb8"


@dataclass(frozen=True)
class Palette:
    """Every colour the site, its charts and the PDFs use, in one place so they cannot drift apart."""
    accent: str = NHS_BLUE
    text: str = "#212b32"
    secondary: str = "#4c6272"
    others: str = "#768692"
    england: str = "#4c6272"
    pale: str = "#f0f4f5"
    zone: str = "#e3ebed"
    focus: str = "#ffeb3b"
    white: str = "#ffffff"

    @property
    def accent_dark(self) -> str:
        """The accent darkened, for the navigation bar under the header."""
        return mix(self.accent, "#000000", 0.4)

    def css(self) -> str:
        """CSS custom properties: the stylesheets use these names, never colour values."""
        names = {
            "accent": self.accent, "accent-dark": self.accent_dark, "text": self.text,
            "secondary": self.secondary, "others": self.others, "england": self.england,
            "pale": self.pale, "zone": self.zone, "focus": self.focus,
        }
        return ":root {\n" + "".join(f"  --{k}: {v};\n" for k, v in names.items()) + "}\n"

    def svg(self, role: str) -> dict[str, str]:
        """Presentation attributes for a chart mark: WeasyPrint draws SVG without the
        page's stylesheet, so colours go on the marks; the site's stylesheet overrides
        them only under forced colours."""
        return self._styles[role]

    def svg_attributes(self, role: str) -> str:
        """``svg(role)`` written as SVG attributes (' fill="#005eb8"'), once per role."""
        return self._attributes[role]

    @functools.cached_property
    def _attributes(self) -> dict[str, str]:
        return {role: "".join(f' {k}="{v}"' for k, v in style.items()) for role, style in self._styles.items()}

    @functools.cached_property
    def _styles(self) -> dict[str, dict[str, str]]:
        dark, accent = self.text, self.accent
        styles: dict[str, dict[str, str]] = {
            "label": {"fill": dark},
            "label-muted": {"fill": self.secondary},
            "label-this": {"fill": accent},
            "label-inverse": {"fill": self.white},
            "bar-this": {"fill": accent},
            "gap": {"fill": "none", "stroke": accent, "stroke-width": "1.5", "stroke-dasharray": "5 3"},
            "ref-recommended": {"stroke": dark, "stroke-width": "2"},
            "ref-baseline": {"stroke": dark, "stroke-width": "2", "stroke-dasharray": "5 3"},
            "ref-england": {"stroke": self.england, "stroke-width": "2.5"},
            "zone": {"fill": self.zone},
            "gap-area": {"fill": mix(accent, self.white, 0.8)},
            "axis": {"stroke": self.others, "stroke-width": "1"},
            "median": {"stroke": dark, "stroke-width": "2.5"},
            "others": {"fill": "none", "stroke": self.others, "stroke-width": "5", "stroke-linecap": "round"},
            "others-large": {"fill": "none", "stroke": self.others, "stroke-width": "11", "stroke-linecap": "round"},
            "halo": {"fill": "none", "stroke": self.white, "stroke-width": "17", "stroke-linecap": "round"},
            "this-dot": {"fill": "none", "stroke": accent, "stroke-width": "13", "stroke-linecap": "round"},
            "this-line": {"fill": "none", "stroke": accent, "stroke-width": "3", "stroke-linejoin": "round"},
            "this-points": {"fill": "none", "stroke": accent, "stroke-width": "9", "stroke-linecap": "round"},
            "england-line": {"fill": "none", "stroke": self.england, "stroke-width": "2.5",
                             "stroke-dasharray": "7 3", "stroke-linejoin": "round"},
            "england-points": {"fill": self.england},
            "this-small": {"fill": "none", "stroke": accent, "stroke-width": "6", "stroke-linecap": "round"},
            "none-this": {"fill": "none", "stroke": accent, "stroke-width": "3", "stroke-linecap": "round"},
            "england-median": {"fill": self.white, "stroke": self.england, "stroke-width": "2.5"},
            "none-mark": {"fill": "none", "stroke": dark, "stroke-width": "2.5", "stroke-linecap": "round"},
        }
        return styles

    def stroke_width(self, role: str) -> float:
        """A role's stroke width, for what labels must keep clear of."""
        return float(self.svg(role).get("stroke-width", "0"))


def mix(colour: str, other: str, share: float) -> str:
    """``colour`` with ``share`` of ``other`` mixed in (sRGB, per channel)."""
    a, b = _rgb(colour), _rgb(other)
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def contrast(foreground: str, background: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio between two colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
