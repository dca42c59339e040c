"""The Content-Security-Policy: the portal's pages run only the portal's own scripts and
styles, which the browser enforces (tests/e2e check that the pages still work under it)."""

import pytest

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/admin/login/", "/api/v1/"])
def test_every_answer_allows_only_the_portals_own_scripts(client, url):
    policy = _policy(client.get(url, follow=True))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


def test_the_pages_have_no_inline_script(client, cast):
    client.force_login(cast.officer_74)
    page = client.get("/").content.decode()
    assert "<script>" not in page and " onclick=" not in page


def test_the_api_docs_loosen_styles_only(client):
    policy = _policy(client.get("/api/docs/"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
