"""Talking to Pagefind: its service started as a subprocess, pages sent, index files back.

Kept apart from search.py so that Pagefind's client (and asyncio) load only when an index
is made, never for a build with nothing to do.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from typing import Any

from pagefind.service import PagefindService

from kfh_site.errors import SearchIndexError


async def run_pagefind(documents: list[tuple[str, str]]) -> dict[str, bytes]:
    """The Pagefind index of ``documents`` (path, HTML), run in Pagefind's own process."""
    try:
        service = await _PromptService().launch()
    except OSError as exc:
        chosen = os.environ.get("PAGEFIND_BINARY_PATH")
        remedy = (f"PAGEFIND_BINARY_PATH is set to {chosen}: correct or unset it" if chosen else
                  "reinstall kfh-site with: .venv/bin/pip install -e . (it installs pagefind[bin])")
        raise SearchIndexError(
            f"the search index needs the Pagefind program, which could not be started ({exc}); {remedy}") from None
    try:
        index = await service.create_index(None)
        # All at once (Pagefind answers each in turn) and in sorted order, as it numbers
        # pages as they arrive: the same pages always give the same index.
        await asyncio.gather(*(index.add_html_file(content=html, url=url) for url, html in documents))
        files = await index.get_files()
    except SearchIndexError as exc:
        raise SearchIndexError(f"{exc}{service.complaint()}") from None
    except OSError as exc:  # the pipe to Pagefind broke: it stopped
        raise SearchIndexError(f"Pagefind stopped before the search index was made ({exc})"
                               f"{service.complaint()}") from None
    finally:
        await service.close()
    return {str(f["path"]): bytes(f["content"]) for f in files}


class _PromptService(PagefindService):
    """Pagefind's own service client, reading replies as they come.

    The stock client naps 0.1 s before reading each reply (17 minutes for 10,000 pages),
    refuses a reply over 2 MiB (the index of a large site comes as one reply) and reads
    Pagefind's messages on stderr as if they were replies. This one reads replies back to
    back, takes any size, keeps stderr apart, and fails every waiting request, rather than
    hang, if Pagefind stops.
    """

    async def launch(self) -> _PromptService:
        self._backend = await asyncio.create_subprocess_exec(
            self._bin, "--service", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, limit=1 << 30)
        self._stderr = bytearray()
        self._stopped = False
        self._stderr_task = self._loop.create_task(self._collect_stderr())
        self._poll_task = self._loop.create_task(self._wait_for_responses())
        return self

    async def _collect_stderr(self) -> None:
        assert self._backend.stderr is not None
        while chunk := await self._backend.stderr.read(65536):
            self._stderr += chunk

    def complaint(self) -> str:
        text = bytes(self._stderr).decode("utf-8", "replace").strip()
        return f"\nPagefind said: {text[-2000:]}" if text else ""

    async def send(self, payload: Any) -> Any:
        if self._stopped:  # no reply would ever come
            raise SearchIndexError("Pagefind stopped before the search index was made")
        return await super().send(payload)

    async def _wait_for_responses(self) -> None:
        assert self._backend.stdout is not None
        try:
            while True:
                reply = json.loads(base64.b64decode((await self._backend.stdout.readuntil(b","))[:-1]))
                payload = reply["payload"]
                message_id = reply.get("message_id")
                if message_id is None and payload.get("original_message"):
                    message_id = json.loads(payload["original_message"]).get("message_id")
                waiting = self._responses.pop(message_id, None)
                if waiting is None or waiting.done():
                    continue
                if payload["type"] == "Error":
                    waiting.set_exception(SearchIndexError(f"Pagefind reported an error: {payload['message']}"))
                else:
                    waiting.set_result(payload)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, KeyError) as exc:
            self._stopped = True
            for waiting in self._responses.values():
                if not waiting.done():
                    waiting.set_exception(SearchIndexError(
                        f"Pagefind stopped before the search index was made ({exc.__class__.__name__})"))
            self._responses.clear()

    async def close(self) -> None:
        self._poll_task.cancel()
        if self._backend.returncode is None:
            self._backend.terminate()
        await self._backend.wait()
        await self._stderr_task
