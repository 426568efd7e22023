"""The dashboard in a real browser: ``flowsim dashboard`` on a free port, driven by headless Chromium.

The test starts the command as a user would (in the repository, on the full-scale baseline),
loads the page in Chromium through Playwright, clicks Step 30 times and checks the day
counter, that the charts are drawn (every chart image loaded, and a screenshot that is not
blank), and that the browser console has no errors. Playwright drives the system's Chromium
(Debian's ``chromium`` package, which ``.ci/run`` installs where it can); Playwright's own
browser downloads are not used. Without a Chromium, or without Playwright, the test is
skipped and says why.

Run as a script, the module writes the dashboard page's screenshot (docs/dashboard.png) instead::

    python tests/dashboard/test_dashboard_browser.py docs/dashboard.png
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # tests/dashboard/ -> the clone
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
STARTUP_S = 180  # waits, not budgets: a loaded machine only makes them wait longer
DAYS = 30
FLEE_DAYS = 10


def find_chromium() -> str | None:
    """The first Chromium-like browser on the PATH."""
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(*arguments: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``flowsim dashboard`` running in the repository; yields the address it printed, and the process."""
    import flowsim

    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(flowsim.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-m", "flowsim.cli", "dashboard", *arguments, "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        try:
            first = lines.get(timeout=STARTUP_S)
        except queue.Empty:
            pytest.fail(f"flowsim dashboard printed no address within {STARTUP_S} s")
        address = f"http://127.0.0.1:{port}"
        assert first.strip() == f"flowsim dashboard: {address}  (Ctrl+C to stop)"
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                with urllib.request.urlopen(address, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the dashboard did not answer on {address}: {process.stderr.read()}")
                time.sleep(0.3)
        yield address, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium under Playwright, or a skip that says what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                   "(pip install -e '.[test]')")
    path = find_chromium()
    if path is None:
        pytest.skip(f"no Chromium found on the PATH (looked for {', '.join(CHROMIUM_NAMES)}); install Debian's "
                    "'chromium' package (apt-get install chromium) to run the browser test")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield browser
        browser.close()


def open_page(browser, address: str, errors: list[str]):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(address, wait_until="load")
    page.get_by_role("button", name="Step", exact=True).wait_for(timeout=STARTUP_S * 1000)
    return page


def step_days(page, days: int) -> None:
    """Click Step ``days`` times, each time waiting for the day counter to move on."""
    from playwright.sync_api import expect

    step = page.get_by_role("button", name="Step", exact=True)
    counter = page.locator(".flowsim-day")
    start = int(re.match(r"Day (\d+)", counter.inner_text()).group(1))
    for day in range(start + 1, start + days + 1):
        step.click()
        expect(counter).to_have_text(re.compile(rf"^Day {day} of \d+"), timeout=STARTUP_S * 1000)


def loaded_charts(page) -> list[int]:
    """Natural widths of the chart images on the visible page (0 for one that did not load)."""
    return page.eval_on_selector_all("img.solara-image", "images => images.map(i => i.naturalWidth)")


def stepped_charts(page, days: int, charts: int) -> list[int]:
    """Step ``days`` days, check the day counter, wait until ``charts`` charts are drawn; their natural widths."""
    step_days(page, days)
    assert re.match(rf"Day {days} of \d+ · ", page.locator(".flowsim-day").inner_text())
    page.wait_for_function("() => [...document.querySelectorAll('img.solara-image')]"
                           f".filter(i => i.complete && i.naturalWidth > 0).length >= {charts}",
                           timeout=STARTUP_S * 1000)
    return loaded_charts(page)


def colours_in(png: bytes) -> int:
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB").resize((400, 250))
    return len(image.getcolors(maxcolors=400 * 250) or ())


def test_thirty_days_in_a_real_browser(chromium, tmp_path):
    errors: list[str] = []
    with dashboard() as (address, process):
        page = open_page(chromium, address, errors)
        charts = stepped_charts(page, DAYS, 4)
        assert len(charts) >= 4 and all(width > 300 for width in charts), charts
        shot = page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        assert colours_in(shot) > 500, "the screenshot is (nearly) blank"
        assert process.poll() is None
    assert errors == [], f"the browser console shows errors: {errors}"


def test_a_flee_case_in_a_real_browser(chromium, tmp_path):
    """The shipped burundi2015 case: its own page (camps against their observed series), stepped in Chromium."""
    errors: list[str] = []
    with dashboard("scenarios/flee/burundi2015.yaml") as (address, process):
        page = open_page(chromium, address, errors)
        charts = stepped_charts(page, FLEE_DAYS, 2)
        assert page.locator(".flowsim-day").inner_text().startswith(f"Day {FLEE_DAYS} of 396 · ")
        assert len(charts) == 2 and all(width > 300 for width in charts), charts
        assert page.get_by_text("People in the largest camps").count() == 0  # drawn in the image, not as text
        assert page.get_by_text("Camps today").count() == 1
        shot = page.screenshot(path=str(tmp_path / "flee.png"), full_page=True)
        assert colours_in(shot) > 300, "the screenshot is (nearly) blank"
        assert process.poll() is None
    assert errors == [], f"the browser console shows errors: {errors}"


def write_screenshot(target: Path, days: int = 45) -> None:
    """The documentation's picture (docs/dashboard.md): the baseline after ``days`` days, compared with nothing, page 0."""
    from playwright.sync_api import sync_playwright

    with dashboard() as (address, _process), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        errors: list[str] = []
        page = open_page(browser, address, errors)
        page.set_viewport_size({"width": 1500, "height": 1050})
        step_days(page, days)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(target))
        browser.close()
    print(f"wrote {target}; console errors: {errors or 'none'}")


if __name__ == "__main__":
    write_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard.png"))
