"""Screenshots of every page on the demo pair, for looking at what a user sees.

Usage: .venv/bin/python scripts/screenshots.py OUT_DIR [PAGE ...]
Starts the app on a free loopback port with a throw-away review database, opens each page in
Debian's Chromium (headless) and writes OUT_DIR/<page>.png (the whole page, 1400 px wide).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["Data", "Schema", "Overview", "Columns", "Pairs", "Outliers", "Privacy", "Utility",
         "Review", "Sign-off"]  # fmt: skip
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
WIDTH, MIN_HEIGHT, MAX_HEIGHT = 1400, 2600, 16_000


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_timeout(400)
    page.wait_for_selector(IDLE, timeout=120_000)


def _charts_drawn(page) -> None:
    """Wait (at most 15 s) until every Plotly chart on the page has drawn its SVG."""
    for _ in range(30):
        charts = page.locator("[data-testid=stPlotlyChart]").count()
        drawn = page.locator("[data-testid=stPlotlyChart] .main-svg").count()
        if charts == 0 or drawn >= charts:
            return
        page.wait_for_timeout(500)


def _fit_height(page) -> None:
    """Grow the viewport to the page's content: Streamlit scrolls inside its own container, so
    a full-page screenshot otherwise stops at the viewport's height."""
    tall = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 0)"
    )
    height = int(min(max(tall + 120, MIN_HEIGHT), MAX_HEIGHT))
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.wait_for_timeout(400)


def main(out: Path, pages: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    port = _port()
    db = Path(tempfile.mkdtemp()) / "shots.db"
    env = {**os.environ, "SYNTHLENS_AUTOLOAD_DEMO": "1", "SYNTHLENS_DB_PATH": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            # Streamlit scrolls inside its own container: a tall viewport shows the whole page.
            page = browser.new_page(viewport={"width": WIDTH, "height": MIN_HEIGHT})
            page.goto(url)
            _idle(page)
            for title in pages:
                page.get_by_role("link", name=title, exact=True).first.click()
                _idle(page)
                _charts_drawn(page)
                _fit_height(page)
                _charts_drawn(page)
                name = title.lower().replace(" & ", "_").replace("-", "").replace(" ", "_")
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                print(out / f"{name}.png")
                page.set_viewport_size({"width": WIDTH, "height": MIN_HEIGHT})
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        # An option is not a folder name (a "--help" folder of screenshots was once committed).
        print(__doc__.split("\n\n")[1].splitlines()[0], file=sys.stderr)
        raise SystemExit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    main(Path(sys.argv[1]), sys.argv[2:] or PAGES)
