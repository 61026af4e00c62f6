import os
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args, env_overrides, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "REDIS_BROKER_URL",
            "REDIS_CACHE_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "EMAIL_URL",
            # set by the browser tests for live_server; never in a deployment
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update({"DATA_DIR": str(tmp_path), **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run_manage(
        "check",
        env_overrides={"DJANGO_DEBUG": "0", "ALLOWED_HOSTS": "kindness.example.org"},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start(tmp_path):
    result = run_manage(
        "check",
        env_overrides={"DJANGO_DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required" in result.stderr


def test_production_settings_pass_check_deploy_with_zero_warnings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "kindness.example.org",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def _print_settings(tmp_path, env_overrides, *names):
    code = "from django.conf import settings as s; " + "; ".join(
        f"print(repr({expr}))" for expr in names
    )
    return run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env_overrides=env_overrides,
        tmp_path=tmp_path,
    )


def test_embedded_defaults_need_no_server(tmp_path):
    result = _print_settings(
        tmp_path,
        {},
        "s.DATABASES['default']['ENGINE']",
        "s.CELERY_BROKER_URL",
        "s.CACHES['default']['BACKEND']",
        "s.EMAIL_BACKEND",
        "str(s.MEDIA_ROOT)",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert "'django.db.backends.sqlite3'" in lines[0]
    assert lines[1] == "'filesystem://'"
    assert "LocMemCache" in lines[2]
    assert "filebased" in lines[3]
    assert str(tmp_path) in lines[4]


def test_services_switch_on_by_their_variables(tmp_path):
    result = _print_settings(
        tmp_path,
        {
            "DATABASE_URL": "postgres://kh:pw@db.internal:5432/kindness",
            "REDIS_URL": "redis://cache.internal:6379/2",
            "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
        },
        "s.DATABASES['default']['ENGINE']",
        "s.CELERY_BROKER_URL",
        "s.CACHES['default']['BACKEND']",
        "s.EMAIL_HOST",
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] > s.VIDEO_HARD_TIME_LIMIT",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert "postgresql" in lines[0]
    assert lines[1] == "'redis://cache.internal:6379/2'"
    assert "RedisCache" in lines[2]
    assert lines[3] == "'smtp.example.org'"
    assert lines[4] == "True"


@pytest.mark.parametrize(
    ("variables", "broker", "cache"),
    [
        (
            {"REDIS_URL": "redis://one:6379/0"},
            "redis://one:6379/0",
            "redis://one:6379/0",
        ),
        (
            {
                "REDIS_URL": "redis://one:6379/0",
                "REDIS_BROKER_URL": "redis://broker:6379/0",
                "REDIS_CACHE_URL": "redis://cache:6379/0",
            },
            "redis://broker:6379/0",
            "redis://cache:6379/0",
        ),
        (
            {"REDIS_BROKER_URL": "redis://broker:6379/0"},
            "redis://broker:6379/0",
            None,
        ),
    ],
)
def test_the_broker_and_the_cache_can_be_two_redis_servers(
    tmp_path, variables, broker, cache
):
    result = _print_settings(
        tmp_path,
        variables,
        "s.CELERY_BROKER_URL",
        "s.CACHES['default'].get('LOCATION') if 'Redis' in s.CACHES['default']['BACKEND'] else None",
        "s.CELERY_WORKER_CONSUMER",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == repr(broker)
    assert lines[1] == repr(cache)
    assert lines[2] == "'config.celery:Consumer'"


@pytest.mark.parametrize("lang", ["en", "it", "fr", "de"])
def test_first_visit_follows_accept_language(client, db, lang):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=f"{lang},en;q=0.5")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/{lang}/"


def test_object_storage_gives_up_on_a_silent_server_in_seconds_and_keeps_path_style(
    tmp_path,
):
    code = (
        "from django.core.files.storage import storages; "
        "c = storages['private'].client_config; "
        "print(c.connect_timeout, c.read_timeout, c.retries['mode'], "
        "c.s3['addressing_style'])"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        env_overrides={
            "S3_PRIVATE_BUCKET": "kh-private",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["3.0", "20.0", "standard", "path"]
