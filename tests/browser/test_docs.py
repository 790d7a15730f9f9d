"""/docs works offline: Swagger UI from our own origin renders every endpoint, with no console
error, no CSP violation and no request leaving the origin (the fixture fails on any of those)."""

import pytest

pytestmark = pytest.mark.browser


def test_api_docs_render_offline(shared_page, base_url):
    page = shared_page()
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=10_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for path in ("/api/step", "/api/graph", "/api/run", "/api/presets"):
        assert any(p.replace("\u200b", "").startswith(path) for p in paths), path
    page.locator(".opblock-summary-path", has_text="/api/step").first.click()
    page.wait_for_selector(".opblock-body", timeout=5_000)
    assert "scenario" in page.locator(".opblock-body").first.inner_text()
