"""Photos in content pages: published at a size fit for the web, the same bytes on
every build, and never wider than a phone's screen."""

from __future__ import annotations

import io
import re

import pytest
from conftest import run_cli, tree_bytes
from PIL import Image

PAGE = """---
title: Our library in pictures
summary: Photographs of the library.
nav_order: 50
---

The reading room.

![The reading room, with six study desks by the windows](photo.jpg)

Our logo.

![The library logo](logo.png)
"""


def photo(size: tuple[int, int], orientation: int | None = None) -> bytes:
    """A camera-sized JPEG (gradients and grain, a few megabytes at quality 95), with EXIF
    as cameras write it."""
    gradients = [Image.linear_gradient("L"), Image.radial_gradient("L"), Image.linear_gradient("L").rotate(90)]
    image = Image.merge("RGB", [Image.blend(gradient.resize(size), Image.effect_noise(size, 40 + 10 * band), 0.1)
                                for band, gradient in enumerate(gradients)])
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0132] = "2026:01:02 03:04:05"
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), "#005eb8").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def with_photo(project):
    (project / "content" / "photo.jpg").write_bytes(photo((4000, 3000)))
    (project / "content" / "logo.png").write_bytes(small_png())
    (project / "content" / "pictures.md").write_text(PAGE, encoding="utf-8")
    return project


def test_a_camera_photo_is_published_2000_pixels_wide_the_same_on_every_build(with_photo, tmp_path, capsys):
    source = (with_photo / "content" / "photo.jpg").read_bytes()
    assert len(source) > 3_000_000
    assert run_cli(with_photo, "build", "--no-pdf") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"1 image resized: content/photo\.jpg 4000x3000 -> 2000x1500 \([\d.]+ MB -> [\d,]+ KB\)",
                        lines[1]), lines
    published = with_photo / "build" / "photo.jpg"
    with Image.open(published) as image:
        assert image.size == (2000, 1500) and image.format == "JPEG"
        assert dict(image.getexif()) == {}  # no camera, no date: nothing that differs between builds
    assert published.stat().st_size < 1024 * 1024
    # The same bytes from a clean build into another folder.
    assert run_cli(with_photo, "build", "--no-pdf", "--clean", "--out", str(tmp_path / "again")) == 0
    assert (tmp_path / "again" / "photo.jpg").read_bytes() == published.read_bytes()
    assert tree_bytes(tmp_path / "again") == tree_bytes(with_photo / "build")
    page = (with_photo / "build" / "pictures.html").read_text()
    assert '<img alt="The reading room, with six study desks by the windows" src="photo.jpg" width="2000" height="1500">' in page
    assert '<img alt="The library logo" src="logo.png" width="120" height="60">' in page
    assert (with_photo / "build" / "logo.png").read_bytes() == (with_photo / "content" / "logo.png").read_bytes()


def test_a_photo_taken_upright_is_turned_and_sized_as_a_browser_shows_it(project, capsys):
    # Stored 4000 x 3000 with EXIF orientation 6: the camera was held upright.
    (project / "content" / "photo.jpg").write_bytes(photo((4000, 3000), orientation=6))
    (project / "content" / "logo.png").write_bytes(small_png())
    (project / "content" / "pictures.md").write_text(PAGE, encoding="utf-8")
    assert run_cli(project, "build", "--no-pdf") == 0
    assert "content/photo.jpg 3000x4000 -> 2000x2667" in capsys.readouterr().out
    with Image.open(project / "build" / "photo.jpg") as image:
        assert image.size == (2000, 2667)
        assert 0x0112 not in image.getexif()
    assert 'src="photo.jpg" width="2000" height="2667"' in (project / "build" / "pictures.html").read_text()


def test_sizes_the_author_wrote_are_kept(project):
    (project / "content" / "logo.png").write_bytes(small_png())
    (project / "content" / "pictures.md").write_text(
        PAGE.split("The reading room.")[0] + '![The library logo](logo.png){: width="60" }\n', encoding="utf-8")
    assert run_cli(project, "build", "--no-pdf") == 0
    page = (project / "build" / "pictures.html").read_text()
    assert 'width="60"' in page and 'height="60"' not in page
