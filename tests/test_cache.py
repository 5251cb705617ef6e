"""The build cache on its own: what it says is up to date, reusable and already
rendered, the PDFs it keeps and drops, and the inputs key it is keyed by."""

from __future__ import annotations

import os
from pathlib import Path

from kfh_site.output.cache import MANIFEST, BuildCache, inputs_key, sha256


def built(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """An output folder holding ``files``, as a build would leave it."""
    output = tmp_path / "build"
    for name, data in files.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(data)
    return output


def saved(output: Path, inputs: str = "inputs-1", keys: dict[str, str] | None = None) -> BuildCache:
    cache = BuildCache.beside(output)
    hashes = {p.relative_to(output).as_posix(): sha256(p.read_bytes()) for p in output.rglob("*") if p.is_file()}
    cache.save(inputs, output, hashes, keys or {})
    return BuildCache.beside(output)


def test_the_cache_lives_beside_the_output_never_inside_it(tmp_path):
    output = built(tmp_path, {"index.html": b"<p>home</p>"})
    saved(output)
    assert (tmp_path / ".build.kfh-cache" / MANIFEST).is_file()
    assert sorted(p.name for p in output.iterdir()) == ["index.html"]


def test_up_to_date_only_with_the_same_inputs_and_an_untouched_output(tmp_path):
    output = built(tmp_path, {"index.html": b"<p>home</p>", "a/b.css": b"p{}"})
    cache = saved(output)
    assert cache.up_to_date("inputs-1", output)
    assert not cache.up_to_date("inputs-2", output)                  # an input changed
    (output / "extra.txt").write_text("left by hand")
    assert not cache.up_to_date("inputs-1", output)                  # a file nobody built
    (output / "extra.txt").unlink()
    (output / "a" / "b.css").write_bytes(b"p{color:red}")
    assert not cache.up_to_date("inputs-1", output)                  # a file edited by hand


def test_a_file_is_reusable_only_with_the_same_bytes_still_untouched_on_disk(tmp_path):
    output = built(tmp_path, {"index.html": b"<p>home</p>"})
    cache = saved(output)
    sha = sha256(b"<p>home</p>")
    assert cache.reusable(output, "index.html", sha)
    assert not cache.reusable(output, "index.html", sha256(b"other"))
    assert not cache.reusable(output, "other.html", sha)
    stat = (output / "index.html").stat()
    os.utime(output / "index.html", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert not cache.reusable(output, "index.html", sha)             # touched since: not trusted


def test_a_page_rendered_from_the_same_key_is_not_rendered_again(tmp_path):
    output = built(tmp_path, {"index.html": b"<p>home</p>"})
    cache = saved(output, keys={"index.html": "key-1"})
    assert cache.rendered(output, "index.html", "key-1") == sha256(b"<p>home</p>")
    assert cache.rendered(output, "index.html", "key-2") is None
    assert cache.rendered(output, "missing.html", "key-1") is None


def test_pdfs_are_kept_by_key_and_those_a_build_did_not_use_are_dropped(tmp_path):
    output = built(tmp_path, {"index.html": b"x"})
    cache = BuildCache.beside(output)
    cache.store_pdf("k1", b"%PDF-1 one", 1)
    cache.store_pdf("k2", b"%PDF-1 two", 2)
    cache.save("inputs-1", output, {"index.html": sha256(b"x")}, {})
    again = BuildCache.beside(output)
    assert again.pdf("k2") == (b"%PDF-1 two", 2) and again.pdf("nope") is None
    again.save("inputs-2", output, {"index.html": sha256(b"x")}, {})  # this build used k2 only
    third = BuildCache.beside(output)
    assert third.pdf("k1") is None and third.pdf("k2") == (b"%PDF-1 two", 2)
    assert sorted(p.name for p in (tmp_path / ".build.kfh-cache" / "pdf").iterdir()) == ["k2.pdf"]


def test_a_disabled_or_broken_cache_builds_everything(tmp_path):
    output = built(tmp_path, {"index.html": b"x"})
    saved(output)
    off = BuildCache.beside(output, enabled=False)
    assert not off.up_to_date("inputs-1", output) and not off.reusable(output, "index.html", sha256(b"x"))
    (tmp_path / ".build.kfh-cache" / MANIFEST).write_text("{not json")
    broken = BuildCache.beside(output)
    assert broken.previous_files == {} and not broken.up_to_date("inputs-1", output)


def test_what_a_killed_build_left_half_written_is_tidied(tmp_path):
    output = built(tmp_path, {"index.html": b"x"})
    cache = saved(output)
    (cache.folder / f"{MANIFEST}.12345").write_text("half")
    (cache.folder / "pdf").mkdir()
    (cache.folder / "pdf" / "k.pdf.999").write_bytes(b"half")
    (cache.folder / "pdf" / "k.pdf").write_bytes(b"whole")
    cache.tidy()
    assert sorted(p.name for p in cache.folder.rglob("*") if p.is_file()) == ["k.pdf", MANIFEST]


def test_the_inputs_key_changes_with_any_input_and_not_with_their_order(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.md"
    a.write_text("org_code\nRAA\n")
    b.write_text("# Page\n")
    key = inputs_key([a, b], tmp_path, {"pdf": True})
    assert inputs_key([b, a, a], tmp_path, {"pdf": True}) == key
    assert inputs_key([a, b], tmp_path, {"pdf": False}) != key
    b.write_text("# Page!\n")
    assert inputs_key([a, b], tmp_path, {"pdf": True}) != key
    edited = inputs_key([a, b], tmp_path, {"pdf": True})
    renamed = b.rename(tmp_path / "c.md")
    assert inputs_key([a, renamed], tmp_path, {"pdf": True}) != edited   # the same bytes under another name
