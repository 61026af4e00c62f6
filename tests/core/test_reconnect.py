"""A kept database connection that the server dropped (a restart, a failover,
pg_terminate_backend) is replaced before a request uses it (CONN_HEALTH_CHECKS)."""

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.utils import OperationalError

from tests.conftest import service_missing

pytestmark = pytest.mark.services


@pytest.fixture
def postgres_outside_a_transaction(transactional_db):
    """Between requests there is no transaction open (the test's own would keep
    Django from closing the dropped connection)."""
    if connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL (set DATABASE_URL)")


def _kept_and_dropped() -> None:
    """The connection a web process keeps between requests (CONN_MAX_AGE), dropped
    by the server; then a new request starts."""
    connection.ensure_connection()
    connection.close_at = None  # kept: CONN_MAX_AGE without an end
    pid = connection.connection.info.backend_pid
    admin = settings.DATABASES["default"] | {"NAME": "postgres"}
    with psycopg.connect(
        host=admin["HOST"] or "127.0.0.1",
        port=admin["PORT"] or 5432,
        user=admin["USER"],
        dbname="postgres",
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.close_if_unusable_or_obsolete()  # what request_started runs


def test_health_checks_are_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_request_after_the_server_dropped_the_kept_connection_works(
    postgres_outside_a_transaction,
):
    _kept_and_dropped()

    assert get_user_model().objects.count() >= 0


def test_without_the_health_check_that_request_fails(postgres_outside_a_transaction):
    connection.close()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    try:
        _kept_and_dropped()
        with pytest.raises(OperationalError):
            get_user_model().objects.count()
    finally:
        connection.close()
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
