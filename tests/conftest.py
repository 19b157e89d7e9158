"""Shared fixtures and the rules for tests that need real services.

Tests marked `postgres`, `redis`, `browser` or `faults` need PostgreSQL, a Redis broker, Debian's
chromium or PostgreSQL's server binaries. Outside CI they skip with the reason; with CI=true a missing service is a failure,
so CI can never pass by skipping what it was meant to prove.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.cases.factories import world  # noqa: F401  (fixture for every package)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def launch_chromium(pw):
    """Debian's chromium through Playwright (never a downloaded browser), quiet and offline."""
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


def _postgres_reason() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    return None


def _redis_reason() -> str | None:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        return "needs Redis: set CELERY_BROKER_URL=redis://..."
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return None
    except OSError as exc:
        return f"Redis at {url} unreachable: {exc}"


def _browser_reason() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs playwright (pip install -r requirements-dev.txt)"
    return None


def _faults_reason() -> str | None:
    import glob

    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        return "needs PostgreSQL's server binaries (apt-get install postgresql) to restart one"
    return None


_CHECKS = {
    "postgres": _postgres_reason,
    "redis": _redis_reason,
    "browser": _browser_reason,
    "faults": _faults_reason,
}


def pytest_runtest_setup(item):
    for marker, check in _CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = check()
        if reason:
            if IN_CI:
                pytest.fail(f"[CI] {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _reset_caches():
    from django.core.cache import cache

    from civic import memo

    # The per-process copies (catalogue, calendar, active themes) outlive a test's rolled-back
    # rows (and SQLite reuses their ids).
    cache.clear()
    memo.clear_all()
    yield
    cache.clear()
    memo.clear_all()


@pytest.fixture
def browser_page(live_server):
    """A Playwright page on Debian's chromium (never a downloaded browser)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # Rows the test made while Playwright ran went through a connection that only this
            # context sees: closed here, or it would outlive the run and keep the test
            # database from being dropped.
            connections.close_all()


@pytest.fixture
def working_calendar(db):
    """The official calendar for 2025–2026 (holidays and adjusted working days)."""
    from civic.calendar import calendar_seed_from_package

    calendar_seed_from_package(first_year=2025, last_year=2026)
