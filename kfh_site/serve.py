"""A live preview: build, serve the build on loopback under its base path, rebuild when
an input changes, and reload the open page.

The preview is built into a temporary folder of its own, removed when serve stops, never
into ``build/``: a preview without PDFs (``--no-pdf``) must not strip them from the folder
you publish. The reload script is added to pages as they are served, never written to
disk, so the site stays script-free. A build that fails leaves the last good build in
place (builds are atomic), so the preview keeps serving it and shows the error on the
page until the next edit fixes it. PDFs are not made by the preview's builds: each is
rendered when the browser asks for it (pdf/on_request.py), so an edit shows at once.
"""

from __future__ import annotations

import errno
import functools
import html
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from kfh_site.config import SiteConfig
from kfh_site.errors import KfhError

STATE_PATH = "/__kfh-site__/state"
RELOAD_SCRIPT = """<script>
(function () {
  var seen = null;
  function banner(text) {
    var box = document.getElementById("kfh-site-preview-error");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "kfh-site-preview-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50%;overflow:auto;z-index:99;" +
        "background:#fff;color:#212b32;border-top:6px solid #d5281b;padding:1rem;font:16px/1.4 monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "The last edit did not build; still showing the previous build.\\n\\n" + text;
  }
  function poll() {
    fetch("__STATE__", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.build !== seen) { location.reload(); return; }
      seen = s.build;
      banner(s.error);
    }).catch(function () {}).then(function () { setTimeout(poll, 500); });
  }
  poll();
})();
</script>
""".replace("__STATE__", STATE_PATH)


@dataclass
class PreviewState:
    """What the watcher tells the server: which build is current, and the last error."""

    build: int = 0
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict:
        """What the reload script polls: the build number and the last error."""
        with self.lock:
            return {"build": self.build, "error": self.error}

    def built(self) -> None:
        """A rebuild succeeded: open pages reload."""
        with self.lock:
            self.build += 1
            self.error = ""

    def failed(self, message: str) -> None:
        """A rebuild failed: open pages show ``message`` and keep the last good build."""
        with self.lock:
            self.error = message


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the build under its base path, with the reload script in HTML pages."""

    base_path = "/"
    state: PreviewState
    head_only = False
    pdfs: Callable[[str], bytes | None] | None = None  # a PDF of the build, made when asked for

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's API
        """As GET, without the body."""
        self.head_only = True
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - http.server's API
        """Serve the preview under its base path: pages with the reload script, PDFs made
        when asked for, the build state for the script to poll; only to requests for the
        address serve printed, and only for paths a browser asks for."""
        if not self._host_is_ours():
            return self._send(421, "text/plain; charset=utf-8",
                              b"kfh-site serve answers only requests for the address it printed\n")
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if not _plain_path(path):
            return self._send(400, "text/plain; charset=utf-8", b"Bad request: not a path to a page\n")
        try:
            return self._answer(path)
        except (ValueError, OSError):  # a path the file system cannot take (too long, odd bytes)
            return self._send(400, "text/plain; charset=utf-8", b"Bad request: not a path to a page\n")

    def _host_is_ours(self) -> bool:
        """Only the address serve printed: a page elsewhere that points its own name at
        127.0.0.1 (DNS rebinding) sends its own name as the Host, and is refused."""
        host, port = self.connection.getsockname()[:2]  # the address this request came in on
        return self.headers.get("Host", "") == f"{host}:{port}"

    def _answer(self, path: str) -> None:
        if path == STATE_PATH:
            return self._send(200, "application/json", json.dumps(self.state.snapshot()).encode())
        if not path.startswith(self.base_path):
            return self._outside_base(path)
        if not Path(self.directory).is_dir():  # no build has succeeded yet: say why
            return self._send(503, "text/html; charset=utf-8", _error_page(self.state.snapshot()["error"]))
        local = Path(self.translate_path("/" + path[len(self.base_path):]))
        if local.is_dir():
            local = local / "index.html"
        if local.suffix == ".pdf" and self.pdfs is not None and not local.is_file() and self._made_pdf(local):
            return None
        if local.suffix == ".html":
            return self._page(local)
        self.path = "/" + path[len(self.base_path):]
        return super().do_HEAD() if self.head_only else super().do_GET()

    def _outside_base(self, path: str) -> None:
        """The root redirects to the base path; anything else outside it is not found."""
        if path in ("/", self.base_path.rstrip("/")):
            self.send_response(302)
            self.send_header("Location", self.base_path)
            self.end_headers()
            return None
        return self._send(404, "text/plain; charset=utf-8", b"Not under the site's base path\n")

    def _made_pdf(self, local: Path) -> bool:
        """Send a PDF the preview planned and made on request; False when it is not one."""
        assert self.pdfs is not None
        try:
            made = self.pdfs(local.relative_to(Path(self.directory)).as_posix())
        except KfhError as error:
            self._send(500, "text/plain; charset=utf-8", error.report().encode())
            return True
        if made is None:
            return False
        self._send(200, "application/pdf", made)
        return True

    def _page(self, local: Path) -> None:
        """A page with the reload script added as it is served (never written); 404.html
        for a page that is not there."""
        if not local.is_file():
            local = Path(self.directory) / "404.html"
            status = 404
        else:
            status = 200
        try:
            page = local.read_bytes()
        except OSError:
            return self._send(404, "text/plain; charset=utf-8", b"Not found\n")
        page = page.replace(b"</body>", RELOAD_SCRIPT.encode() + b"</body>", 1)
        return self._send(status, "text/html; charset=utf-8", page)

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not self.head_only:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet: the preview prints its own lines, not one per request."""
        pass


def _plain_path(path: str) -> bool:
    """A path a browser asks for: from the root, with no control character or NUL once
    decoded (``/%00`` would otherwise reach the file system as an error)."""
    if not path.startswith("/"):
        return False
    try:
        decoded = urllib.parse.unquote(path, errors="strict") if "%" in path else path
    except ValueError:  # not UTF-8 once decoded
        return False
    return not any(ord(c) < 32 or ord(c) == 127 for c in decoded)


def _error_page(error: str) -> bytes:
    """What every page shows while no build has succeeded: the error, and the reload
    script that shows the site as soon as an edit fixes it."""
    return (f"<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>kfh-site: the project "
            f"did not build</title></head><body><h1>The project did not build</h1><pre>{html.escape(error)}</pre>"
            f"<p>Fix it and save: this page shows the site as soon as it builds.</p>{RELOAD_SCRIPT}</body></html>"
            ).encode("utf-8")


class PreviewServer(http.server.ThreadingHTTPServer):
    """The preview's HTTP server: a browser that goes away mid-answer is no news."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet for a connection the browser dropped; anything else as http.server says it."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def changes(paths: Sequence[Path], stop: threading.Event, every: float = 0.3) -> Iterator[set[Path]]:
    """The files added, changed or removed under ``paths`` since the last look, each time
    something has (and an empty set about every second, to let ``stop`` be seen).

    A look is a walk that never follows a link to a folder: ``content/r -> /`` must not
    send serve through the whole file system (and /proc) on every edit. The build names
    such a link as an error; the watch carries on, and sees it removed.
    """
    return _changes(paths, stop, every, _snapshot(paths))  # the first look now, not at the first next()


def _changes(paths: Sequence[Path], stop: threading.Event, every: float,
             seen: dict[Path, tuple[int, int, int]]) -> Iterator[set[Path]]:
    quiet = 0.0
    while not stop.wait(every):
        now = _snapshot(paths)
        if now != seen:
            # Let a save that writes several files finish before building.
            stop.wait(every)
            now = _snapshot(paths)
            changed = {p for p in now.keys() | seen.keys() if now.get(p) != seen.get(p)}
            seen, quiet = now, 0.0
            yield changed
        else:
            quiet += every
            if quiet >= 1.0:
                quiet = 0.0
                yield set()


def _snapshot(paths: Sequence[Path]) -> dict[Path, tuple[int, int, int]]:
    """Each file's (size, time, inode) under ``paths``; links to folders are not entered."""
    found: dict[Path, tuple[int, int, int]] = {}

    def look(path: Path) -> None:
        try:
            info = path.stat()
        except (OSError, ValueError):
            return
        found[path] = (info.st_size, info.st_mtime_ns, info.st_ino)

    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for top, dirs, names in os.walk(path, followlinks=False):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in (*names, *(d for d in dirs if os.path.islink(os.path.join(top, d)))):
                    look(Path(top, name))
        else:
            look(path)
    return found


def watched_paths(config: SiteConfig, config_file: Path) -> list[Path]:
    """What a change to rebuilds: the project's folders, the workforce files and the config file."""
    paths = [config.paths.data, config.paths.content, config.paths.templates]
    if config.workforce.file is not None:  # the NHS staff joined from the workforce files
        paths.append(config.workforce.file)
    return [p for p in paths if p.exists()] + [config_file]


def open_server(port: int, base_path: str, state: PreviewState, folder: Path,
                pdfs: Callable[[str], bytes | None] | None = None) -> http.server.ThreadingHTTPServer:
    """Take the port on 127.0.0.1 before anything is built: a busy port is a message."""
    handler = type("Handler", (PreviewHandler,), {"base_path": base_path, "state": state,
                                                  "pdfs": staticmethod(pdfs) if pdfs else None})
    try:
        return PreviewServer(("127.0.0.1", port), functools.partial(handler, directory=str(folder)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise KfhError(f"port {port} on 127.0.0.1 is already in use (another kfh-site serve or web "
                           "server?): stop it, or choose another port with --port N (--port 0 picks a free one)"
                           ) from None
        if exc.errno == errno.EACCES:
            raise KfhError(f"port {port} on 127.0.0.1 needs administrator rights: choose a port "
                           "above 1023 with --port N") from None
        raise KfhError(f"cannot serve on port {port} of 127.0.0.1: {exc.strerror or exc}") from None


def _build(rebuild: Callable[[Path], str], output: Path, state: PreviewState,
           report: Callable[[str], None]) -> bool:
    """One build of the preview; whatever stops it (bad input, or a bug) is reported in the
    terminal and on the page, and the last good build stays served."""
    try:
        report(rebuild(output))
    except KfhError as error:
        message = error.report()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001 - serve outlives any one build; the message says it is ours
        message = (f"kfh-site could not build this ({type(error).__name__}: {error}). This is a bug in "
                   "kfh-site, not in your project: please report it with the files that cause it")
    else:
        state.built()
        return True
    state.failed(message)
    previous = "still serving the previous build" if output.is_dir() else "nothing built yet"
    report(f"Build failed; {previous}:\n{message}")
    return False


def serve(config: SiteConfig, config_file: Path, port: int, rebuild: Callable[[Path], str],
          report: Callable[[str], None], stop: threading.Event | None = None,
          data_paths: Sequence[Path] = (), pdfs: Callable[[str], bytes | None] | None = None) -> None:
    """Build, serve and watch until ``stop`` is set (or Ctrl-C).

    ``rebuild(folder)`` builds the preview into ``folder`` and returns a one-line
    summary, raising KfhError on bad input; ``report`` shows a line to the user.
    ``pdfs(path)`` makes a PDF the build planned but did not write, when it is asked for.
    """
    state = PreviewState()
    folder = Path(tempfile.mkdtemp(prefix="kfh-site-preview-"))
    output = folder / "site"
    try:
        server = open_server(port, config.base_path, state, output, pdfs)
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        try:
            # Watching starts before the first build, so an edit made while it runs, or
            # just after "Serving", is not missed. Empty sets only let ``stop`` be seen.
            changes_seen = changes([*watched_paths(config, config_file), *data_paths], stop or threading.Event())
            if not _build(rebuild, output, state, report):
                report("The project did not build: every page shows why until an edit fixes it")
            serving.start()
            url = f"http://127.0.0.1:{server.server_address[1]}{config.base_path}"
            report(f"Serving {url} (watching for changes; Ctrl-C to stop)")
            for changed in changes_seen:
                if not changed:
                    continue
                names = sorted({p.name for p in changed})
                report(f"Changed: {', '.join(names[:10])}{' and more' if len(names) > 10 else ''}; rebuilding")
                _build(rebuild, output, state, report)
        except KeyboardInterrupt:  # Ctrl-C is how serve is stopped: no news
            pass
        finally:
            if serving.is_alive():
                server.shutdown()
            server.server_close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report("Stopped.")
