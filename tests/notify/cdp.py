"""A headless Debian chromium driven over the Chrome DevTools protocol (no playwright here).

The pages under test run no script; the harness only navigates, reads the text and submits forms
through ``Runtime.evaluate`` as a person's click would, and sets the screen width and takes
screenshots (``Emulation``, ``Page.captureScreenshot``) so a person can look at the pages.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import websockets

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")


def chromium_binary() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Page:
    """One tab: commands answered by id, events buffered until someone waits for them."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        call_id = self.next_id
        await self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=30))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    async def wait_for(self, event: str, within: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            for i, message in enumerate(self.events):
                if message.get("method") == event:
                    return self.events.pop(i)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {event} within {within}s")
            self.events.append(
                json.loads(await asyncio.wait_for(self.socket.recv(), timeout=remaining))
            )

    async def open(self, url: str) -> str:
        """Navigate and return the page's visible text once it has loaded."""
        self.events.clear()
        result = await self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise RuntimeError(f"navigation to {url} failed: {result['errorText']}")
        await self.wait_for("Page.loadEventFired")
        return await self.text()

    async def submit_form(self, selector: str = "form") -> str:
        """Submit the page's form as its button would, and return the next page's text."""
        self.events.clear()
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).submit()")
        await self.wait_for("Page.loadEventFired")
        return await self.text()

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def text(self) -> str:
        return str(await self.evaluate("document.body.innerText"))

    async def set_width(self, width: int, height: int = 800) -> None:
        """Lay the current page out again as a screen ``width`` CSS pixels wide (narrow ones as a
        phone: the page's viewport meta applies)."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )

    async def screenshot(self, path: Path) -> bytes:
        """The whole page (not only the viewport) as PNG, written to ``path``; its bytes."""
        metrics = await self.send("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        shot = await self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        )
        png = base64.b64decode(shot["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(path.write_bytes, png)
        return png


@contextlib.asynccontextmanager
async def chromium_page(binary: str, profile: Path) -> AsyncIterator[Page]:
    """Start a headless chromium on a free DevTools port and attach to its first tab.

    ``profile`` is a fresh directory of its own (chromium writes its DevTools port there)."""
    process = await asyncio.create_subprocess_exec(
        binary,
        "--headless",
        "--no-sandbox",  # tests run as root in containers
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        port = await _devtools_port(profile / "DevToolsActivePort")
        async with httpx.AsyncClient() as client:
            targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
        tab = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(tab["webSocketDebuggerUrl"], max_size=None) as socket:
            page = Page(socket)
            await page.send("Page.enable")
            await page.send("Runtime.enable")
            yield page
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def _devtools_port(active_port_file: Path, within: float = 30) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            content = await asyncio.to_thread(active_port_file.read_text)
            return int(content.splitlines()[0])
        await asyncio.sleep(0.1)
    raise TimeoutError("chromium did not open its DevTools port")
