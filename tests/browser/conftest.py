"""Real-browser journeys in Debian's Chromium, driven by Playwright.

Playwright cannot download its own browsers here, so the system Chromium is used; without it
the journeys are skipped with a message (CI installs it).

Every page opened through `phone`/`desktop` records console errors (CSP violations are console
errors in Chromium), uncaught script errors, failed requests, server errors and missing assets in
`page.problems`; `assert_clean(page)` fails on any of them, and so does the fixture's teardown.
Contexts come from pytest-playwright's `new_context`, so `--screenshot only-on-failure` keeps
a screenshot of every open page of a failed test under `test-artifacts/`."""

import io
import os
import shutil

import pytest
from PIL import Image, ImageDraw

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason="未安装 Chromium（apt-get install chromium），跳过浏览器测试")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"],
    }


def _watch(page):
    page.problems = []

    def on_console(msg):
        # "Failed to load resource" repeats what `on_response` already judged.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            page.problems.append(f"console: {msg.text} ({page.url})")

    def on_response(response):
        # A form answered 400 with its errors is a page, not a problem; a missing asset or a
        # server error is.
        if response.status >= 500 or (response.status >= 400
                                      and not response.request.is_navigation_request()):
            page.problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.problems.append(f"script error: {exc} ({page.url})"))
    page.on("requestfailed", lambda req: aborted(req) or page.problems.append(
        f"request failed: {req.url} {req.failure}"))
    page.on("response", on_response)
    return page


def aborted(request):
    """A request the browser dropped because the page moved on (a favicon still loading when a
    form is submitted): not a missing asset, which answers 404 and is judged by its response."""
    return "ERR_ABORTED" in (request.failure or "")


def assert_clean(page):
    """No console error, CSP violation, script error or failed request so far on `page`."""
    problems, page.problems = page.problems, []
    assert problems == [], "\n".join(problems)


@pytest.fixture
def open_page(new_context, live_server):
    """`open_page(**context_args)`: a watched page in a fresh context (its own cookies)."""
    pages = []

    def make(**kwargs):
        context = new_context(locale="zh-CN", base_url=live_server.url, **kwargs)
        page = _watch(context.new_page())
        pages.append(page)
        return page

    yield make
    leftovers = [p for page in pages for p in page.problems]
    assert leftovers == [], "\n".join(leftovers)


@pytest.fixture
def phone(open_page):
    """A phone-sized touch page with Chinese locale, pointed at the live server."""
    return open_page(**PHONE)


@pytest.fixture
def plain_phone(open_page):
    """A phone browser without IndexedDB (as some WeChat builds are): the field forms are not
    queued but post as plain pages, and the server answers with the page itself."""
    page = open_page(**PHONE)
    page.add_init_script("Object.defineProperty(window, 'indexedDB', {value: undefined});")
    return page


@pytest.fixture
def desktop(open_page):
    return open_page(**DESKTOP)


def log_in(page, username, password="pw-123456"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    # Wait for the redirect away from the login page, so the next goto cannot cut it short.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def send_market_issue(page, description, files):
    """The 上报问题 form of a page at /issues/new/ filled for 东关农贸市场, 占道经营, and sent."""
    page.get_by_label("点位").select_option(label="东关农贸市场")
    page.get_by_label("问题类别").select_option(label="占道经营")
    page.get_by_label("问题描述").fill(description)
    page.get_by_label("问题照片（1–9 张）").set_input_files(files)
    page.get_by_role("button", name="上报", exact=True).tap()


def jpeg_file(path, *, color, seed):
    """Write a real photo-like JPEG (a pattern that depends on `seed`) and return its path."""
    img = Image.new("RGB", (800, 600), color)
    draw = ImageDraw.Draw(img)
    for i in range(12):
        x = (seed * 97 + i * 131) % 700
        y = (seed * 53 + i * 71) % 500
        draw.ellipse([x, y, x + 90, y + 60], fill=((seed * 40 + i * 20) % 255, 60 + i * 10, 150))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    path.write_bytes(buf.getvalue())
    return path


def natural_width(locator):
    """Wait until the <img> has loaded and return its natural width (0 when it failed)."""
    locator.wait_for(state="visible")
    handle = locator.element_handle()
    locator.page.wait_for_function("img => img.complete", arg=handle)
    return locator.evaluate("img => img.naturalWidth")
