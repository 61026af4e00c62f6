"""Issue "trust boundary", point 1: what `make run` starts is safe to expose.

Each test performs the attack: a token signed with the old public development key, a
request for another host, a debug page on an error.
"""

import json
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.sites.models import Site
from django.core import signing
from django.test import RequestFactory

from challenge.services.guardian import GUARDIAN_SALT
from challenge.views.gallery import _page_cache_key

BASE_DIR = Path(__file__).resolve().parents[2]
# The key every copy of the project shared before: anyone could sign tokens with it.
OLD_PUBLIC_KEY = "insecure-dev-key-only-for-local-use-" + "x" * 20
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'key': s.SECRET_KEY, "
    "'hosts': s.ALLOWED_HOSTS, 'ssl': s.SECURE_SSL_REDIRECT, 'site': s.SITE_URL}))"
)


def _local_settings(data_dir: Path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "DJANGO_DEBUG",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "DATABASE_URL",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATA_DIR": str(data_dir),
            **extra,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_local_mode_runs_without_debug_and_with_its_own_secret(tmp_path):
    first = _local_settings(tmp_path / "a", SITE_URL="http://127.0.0.1:8123")
    again = _local_settings(tmp_path / "a", SITE_URL="http://127.0.0.1:8123")
    other = _local_settings(tmp_path / "b")
    assert first["debug"] is False
    assert first["ssl"] is False  # plain http on loopback
    assert first["key"] == again["key"], "the key is kept in DATA_DIR"
    assert first["key"] != other["key"], "each install makes its own"
    assert OLD_PUBLIC_KEY not in {first["key"], other["key"]}
    assert len(first["key"]) >= 50
    assert (tmp_path / "a" / "secret-key.txt").stat().st_mode & 0o777 == 0o600
    assert "testserver" not in first["hosts"]
    assert set(first["hosts"]) == {"127.0.0.1", "localhost", "[::1]"}
    assert first["site"] == "http://127.0.0.1:8123"


def test_development_conveniences_are_opt_in(tmp_path):
    assert _local_settings(tmp_path, DJANGO_DEBUG="1")["debug"] is True


def test_a_guardian_link_signed_with_the_old_public_key_is_refused(client, db):
    from tests.challenge.factories import make_entry

    entry = make_entry(state="pending_review")
    forged = signing.TimestampSigner(key=OLD_PUBLIC_KEY, salt=GUARDIAN_SALT).sign(
        f"{entry.pk}.0"
    )
    response = client.get(f"/en/challenge/guardian/{forged}/")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This link is not valid" in response.content.decode()


def test_a_request_for_another_host_is_refused(client, db):
    response = client.get("/en/", HTTP_HOST="evil.example")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "evil.example" not in response.content.decode()


def test_a_missing_page_is_the_sites_own_page_in_the_visitors_language(client, db):
    response = client.get("/fr/no-such-page/")
    page = response.content.decode()
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "URLconf" not in page and "Traceback" not in page
    assert 'lang="fr"' in page
    assert "Retour à l’accueil" in page or "Retour à la page d’accueil" in page


def test_a_failing_page_is_the_sites_own_error_page(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail from the database")

    monkeypatch.setattr("campaign.views.helplines_by_country", broken)
    client.raise_request_exception = False
    response = client.get("/de/help/")
    page = response.content.decode()
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "secret detail" not in page and "Traceback" not in page
    assert 'lang="de"' in page
    assert "Kindness Hub" in page


@pytest.mark.parametrize("path", ["/de/country/", "/it/accounts/login/"])
def test_a_form_without_its_csrf_token_gets_the_sites_page(db, path):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(path, {"x": "1"})
    page = response.content.decode()
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "CSRF" not in page and "Kindness Hub" in page


def test_absolute_links_come_from_site_url_never_from_the_host_header(
    client, db, settings
):
    settings.SITE_URL = "https://kindness.example.org"
    page = client.get("/en/help/", HTTP_HOST="localhost").content.decode()
    assert 'href="https://kindness.example.org/fr/help/"' in page
    assert "http://localhost" not in page


def test_the_page_cache_never_mixes_hosts(db):
    factory = RequestFactory()
    from django.contrib.auth.models import AnonymousUser

    keys = set()
    for host in ("127.0.0.1", "localhost"):
        request = factory.get("/en/gallery/", HTTP_HOST=host)
        request.user = AnonymousUser()
        keys.add(_page_cache_key(request))
    assert len(keys) == 2


def test_the_sites_record_is_the_real_site(db, settings):
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == "Kindness Hub"
    assert site.domain == settings.SITE_URL.split("://", 1)[1]
    assert "example.com" not in site.domain
