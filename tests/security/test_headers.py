"""Security headers of every page type, checked the way the HTTP Observatory scores
them: a strict CSP without unsafe-inline, nosniff, a referrer policy, frame
protection, COOP, a Permissions-Policy, and HSTS in production."""

from http import HTTPStatus

import pytest

from campaign.demo import load_campaign

PAGE_TYPES = [
    ("/en/", HTTPStatus.OK),
    ("/it/help/", HTTPStatus.OK),
    ("/fr/partners/", HTTPStatus.OK),
    ("/de/stories/", HTTPStatus.OK),
    ("/en/challenge/", HTTPStatus.OK),
    ("/en/gallery/", HTTPStatus.OK),
    ("/en/accounts/login/", HTTPStatus.OK),
    ("/en/accounts/signup/", HTTPStatus.OK),
    ("/en/admin/login/", HTTPStatus.OK),
    ("/en/does-not-exist/", HTTPStatus.NOT_FOUND),
    ("/healthz", HTTPStatus.OK),
]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture
def demo(db):
    load_campaign()


@pytest.mark.parametrize(("path", "status"), PAGE_TYPES)
def test_every_page_type_sends_the_security_headers(client, demo, path, status):
    response = client.get(path)
    assert response.status_code == status
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp.get(directive, [])
        assert "'unsafe-eval'" not in csp.get(directive, [])
        assert "*" not in csp.get(directive, [])
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("path", ["/en/", "/en/help/"])
def test_pages_have_no_inline_script_or_style(client, demo, path):
    html = client.get(path).content.decode()
    for opening in html.split("<script")[1:]:
        tag = opening.split(">", 1)[0]
        assert "src=" in tag or 'type="application/ld+json"' in tag, tag
    assert " style=" not in html
    assert "<style" not in html
    assert " onclick=" not in html and " onload=" not in html


def test_production_adds_hsts_and_secure_cookies(client, demo, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
