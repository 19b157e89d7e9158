"""The API docs (Swagger UI and ReDoc) work in a real browser under the site's strict CSP."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "ready"),
    [("/api/docs/", ".swagger-ui .info .title"), ("/api/redoc/", "redoc-wrapper, .api-content")],
)
def test_api_docs_render_without_csp_violations(browser_page, path, ready):
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page.base_url + path)
    page.wait_for_selector(ready)
    assert "civic" in page.locator(ready).first.inner_text() or path == "/api/redoc/"
    # Inline script is never allowed; outside resources (ReDoc's Redocly logo) stay blocked on
    # purpose, the site loads nothing from elsewhere.
    inline = [e for e in errors if "Content Security Policy" in e and "inline" in e]
    assert not inline, inline
    outside = [e for e in errors if "Content Security Policy" in e and "inline" not in e]
    assert all("https://cdn.redoc.ly/" in e for e in outside), outside
