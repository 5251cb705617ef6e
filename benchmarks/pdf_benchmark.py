"""What a PDF infographic costs, and where: CPU seconds per PDF, per block of the page (the
page rendered without each block in turn), beside two floors, in one run.

- kfh-site: every infographic of a sample of the example (England, the regions and the
  first organisations), rendered one after another by kfh-site's own Renderer (WeasyPrint
  set up once, tagging completed), in this process: CPU seconds per PDF.
- per block: the same PDFs rendered again with one block of the page left out (a heading
  and what it heads count as one block): what the block costs is the difference.
- WeasyPrint's floor: a plain A4 page (a heading, a paragraph, a 20-row table), tagged
  PDF/UA, rendered the same way.
- Typst (only if the typst package is installed: pip install typst): a comparable tagged
  PDF/UA page.

CPU seconds (time.process_time, this process only): the machine may be shared, and wall
seconds grow with the load much more than CPU seconds do. Each figure is the best of
--repeat runs.

Run from the project folder:  .venv/bin/python benchmarks/pdf_benchmark.py [--limit N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kfh_site.build.pipeline import compute, read_returns  # noqa: E402
from kfh_site.config import load_config  # noqa: E402
from kfh_site.html.render import make_environment  # noqa: E402
from kfh_site.pdf.jobs import PdfJob, RenderSettings, harfbuzz_subset_available  # noqa: E402
from kfh_site.pdf.plan import infographic_jobs  # noqa: E402
from kfh_site.story.palette import Palette  # noqa: E402
from kfh_site.story.teller import StoryTeller  # noqa: E402

PLAIN_PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>A plain page</title></head>
<body><h1>A plain page</h1><p>A paragraph of text above a table of twenty rows.</p>
<table><thead><tr><th>Organisation</th><th>Staff</th><th>Qualified</th><th>Ratio</th></tr></thead><tbody>
{rows}</tbody></table></body></html>"""
PLAIN_CSS = ("@page { size: A4; margin: 12mm; } body { font-family: 'Liberation Sans'; font-size: 9pt; } "
             "table { border-collapse: collapse; } td, th { border-bottom: 0.5pt solid #999; padding: 1pt 4pt; }")
TYPST_PAGE = """#set document(title: "A plain page")
#set text(lang: "en", font: "Liberation Sans", size: 9pt)
#set page(paper: "a4", margin: 12mm)
= A plain page
A paragraph of text above a table of twenty rows.
#table(columns: 4, table.header[Organisation][Staff][Qualified][Ratio], {rows})
"""


def cpu(function, repeat: int) -> float:
    """The least CPU seconds ``function`` took in ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        function()
        best = min(best, time.process_time() - started)
    return best


def blocks(html: str) -> list[tuple[str, str]]:
    """The page's blocks, each (name, the HTML without it): every element directly in the
    body, a heading together with the element after it, named by tag and class."""
    import lxml.html

    document = lxml.html.document_fromstring(html)
    body = document.body
    children = list(body)
    groups: list[list] = []
    for child in children:
        if groups and groups[-1][-1].tag in ("h2", "h3") and len(groups[-1]) == 1:
            groups[-1].append(child)
        else:
            groups.append([child])
    found = []
    for group in groups:
        last = group[-1]
        name = ("h2 + " if len(group) > 1 else "") + last.tag + "".join(f".{c}" for c in (last.get("class") or "").split())
        kept = [c for c in children if c not in group]
        for child in children:
            body.remove(child)
        for child in kept:
            body.append(child)
        found.append((name, lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")))
        for child in kept:
            body.remove(child)
        for child in children:
            body.append(child)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=33, help="infographics in the sample (default 33)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the least is shown")
    args = parser.parse_args()

    config = load_config(ROOT / "kfh-site.toml")
    figures = compute(config, read_returns(config, None))
    env = make_environment(config.template_folders)
    palette = Palette(accent=config.theme.accent_colour)
    planned = infographic_jobs(env, config, StoryTeller(figures, palette), palette)
    jobs = planned.jobs[: args.limit]
    settings = planned.settings(config)

    from kfh_site.pdf.render import Renderer, collect

    renderer = Renderer(settings)
    collect([renderer.render(jobs[0])])  # WeasyPrint loaded and set up, as in a worker

    def render_all(these: list[PdfJob]) -> None:
        collect([renderer.render(job) for job in these])

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}; HarfBuzz subsetting: "
          f"{'yes' if harfbuzz_subset_available() else 'NO (fontTools fallback)'}")
    print(f"CPU seconds of this process, the least of {args.repeat} runs; {len(jobs)} infographics of the example")
    per_pdf = cpu(lambda: render_all(jobs), args.repeat) / len(jobs)
    print(f"{'kfh-site infographic, per PDF':<52}{per_pdf:>8.4f} CPU s   target 0.10 {'met' if per_pdf <= 0.10 else 'NOT MET'}")

    # Each block left out in turn, over the jobs that have it.
    saved: dict[str, list[float]] = defaultdict(list)
    for job in jobs:
        whole = cpu(lambda job=job: render_all([job]), args.repeat)
        for name, html in blocks(job.html):
            without = cpu(lambda html=html, path=job.path: render_all([PdfJob(path, html)]), args.repeat)
            saved[name].append(whole - without)
    print(f"{'per block (the PDF without it: CPU s saved)':<52}{'mean':>8}{'share':>8}  in PDFs")
    for name, values in sorted(saved.items(), key=lambda item: -sum(item[1]) / len(item[1])):
        mean = sum(values) / len(values)
        print(f"  {name[:50]:<50}{mean:>8.4f}{mean / per_pdf:>8.0%}  {len(values)}")

    rows = "".join(f"<tr><td>Organisation {i}</td><td>{1000 + i}</td><td>{i / 2:.1f}</td><td>1 : {1200 + i}</td></tr>"
                   for i in range(20))
    plain = Renderer(RenderSettings(settings.base_folder, settings.allowed_folders, PLAIN_CSS))
    plain_job = PdfJob("plain.pdf", PLAIN_PAGE.format(rows=rows))
    collect([plain.render(plain_job)])
    floor = cpu(lambda: [collect([plain.render(plain_job)]) for _ in range(10)], args.repeat) / 10
    print(f"{'WeasyPrint floor: plain A4 page, 20-row table, PDF/UA':<52}{floor:>8.4f} CPU s")
    try:
        import typst
    except ImportError:
        print(f"{'Typst, the same plain page':<52}{'-':>8}  not installed (pip install typst)")
        return
    source = TYPST_PAGE.replace("{rows}", ", ".join(
        f"[Organisation {i}], [{1000 + i}], [{i / 2:.1f}], [1 : {1200 + i}]" for i in range(20))).encode()
    typst.compile(source, format="pdf", pdf_standards="ua-1")
    typst_cpu = cpu(lambda: [typst.compile(source, format="pdf", pdf_standards="ua-1") for _ in range(10)],
                    args.repeat) / 10
    print(f"{'Typst, the same plain page, tagged PDF/UA':<52}{typst_cpu:>8.4f} CPU s")


if __name__ == "__main__":
    main()
