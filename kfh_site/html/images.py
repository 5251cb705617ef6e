"""Content images made fit for the web: a photo straight from a camera (4000 x 3000
pixels, 3 MB) is resized to at most 2,000 pixels wide and saved again with fixed encoder
settings and no metadata, so that every build publishes the same bytes.

Only JPEG, PNG, WebP and still GIF images are touched; SVG, animations and anything
Pillow cannot read are published as they are. An image is re-encoded only when that
makes it smaller.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from kfh_site.errors import ContentError

MAX_WIDTH = 2000               # CSS pixels of the widest layout, doubled for sharp screens
MAX_BYTES = 1024 * 1024        # larger files are re-encoded even when narrow enough
RESIZABLE = {"JPEG", "PNG", "WEBP", "GIF"}
TURNED = {5, 6, 7, 8}          # EXIF orientations that swap width and height
ORIENTATION = 0x0112
ENCODER_SETTINGS: dict[str, dict[str, object]] = {  # fixed, so the same photo always gives the same bytes
    "JPEG": {"quality": 85, "optimize": True, "progressive": False, "subsampling": 2},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85, "method": 6},
    "GIF": {"optimize": True},
}


@dataclass(frozen=True)
class ResizedImage:
    """An image published smaller than its source, for the build summary."""

    source: str                 # content/photo.jpg
    before: tuple[int, int]     # width, height as a browser shows the source
    after: tuple[int, int]
    bytes_before: int
    bytes_after: int


def shown_size(path: Path) -> tuple[int, int] | None:
    """Width and height at which a browser shows the published image (after EXIF
    rotation and resizing), for the img tag's width and height; None when Pillow
    cannot read it (SVG, say)."""
    try:
        from PIL import Image

        with Image.open(path) as image:
            size = _upright_size(image)
            resizable = image.format in RESIZABLE and not getattr(image, "is_animated", False)
    except Exception:  # any unreadable image: no size attributes, published as it is
        return None
    return _fitted(size) if resizable else size


def web_image(path: Path, name: str) -> tuple[bytes, ResizedImage | None]:
    """The bytes to publish for the image at ``path`` (``name`` as the user knows it),
    and what was done to it when it was made smaller."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = path.read_bytes()
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError:
        raise ContentError(f"{name}: the image has too many pixels to be read safely; "
                           "save it smaller (at most 2,000 pixels wide is plenty for the web)") from None
    except (UnidentifiedImageError, OSError, ValueError):
        return data, None  # SVG or another format browsers read and Pillow does not
    if image.format not in RESIZABLE or getattr(image, "is_animated", False):
        return data, None
    before = _upright_size(image)
    after = _fitted(before)
    if after == before and len(data) <= MAX_BYTES:
        return data, None
    try:
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError) as exc:
        raise ContentError(f"{name}: the image cannot be read ({exc}); save it again as JPEG or PNG") from None
    if upright.size != after:
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):  # palettes cannot be resampled smoothly
            upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
        upright = upright.resize(after, Image.Resampling.LANCZOS)
    smaller = _encode(upright, image.format, image.info.get("icc_profile"))
    if after == before and len(smaller) >= len(data):
        return data, None  # saving it again did not help
    return smaller, ResizedImage(name, before, after, len(data), len(smaller))


def _encode(image, kind: str, icc_profile: bytes | None) -> bytes:
    """Save with fixed settings and no metadata (no EXIF, XMP, comments or dates); the
    colour profile is kept so that colours do not change."""
    if kind == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.info = {}
    options: dict[str, object] = dict(ENCODER_SETTINGS[kind])
    if icc_profile and kind != "GIF":
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def _upright_size(image) -> tuple[int, int]:
    width, height = image.size
    try:
        turned = image.getexif().get(ORIENTATION) in TURNED
    except Exception:  # a broken EXIF block: take the image as stored
        turned = False
    return (height, width) if turned else (width, height)


def _fitted(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    if width <= MAX_WIDTH:
        return size
    return MAX_WIDTH, max(1, round(height * MAX_WIDTH / width))
