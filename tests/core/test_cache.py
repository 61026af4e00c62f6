"""core.cache.RedisCache: Django's Redis cache with one redis-py client per pool,
which answers as an empty cache while Redis is down."""

import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from types import SimpleNamespace

import pytest
import redis

import core.cache
from core.cache import RedisCache
from tests.conftest import free_port, service_missing, wait_for


@pytest.fixture
def redis_cache(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield cache
    cache.delete_many(["page", "hits", "gone"])


@pytest.mark.services
def test_every_call_goes_through_one_client(redis_cache):
    redis_cache.set("page", (7, b"<html>", "text/html"), 60)

    assert redis_cache.get_many(["page", "gone"]) == {
        "page": (7, b"<html>", "text/html")
    }
    clients = {
        id(redis_cache._cache.get_client(write=write)) for write in (True, False)
    }
    assert len(clients) == 1


@pytest.mark.services
def test_the_shared_client_counts_right_from_many_threads(redis_cache):
    redis_cache.set("hits", 0, 60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: redis_cache.incr("hits"), range(200)))

    assert redis_cache.get("hits") == 200


# --- A cache that is down behaves as an empty one ---------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, on a spare port, that the test may stop
    and start again (the shared one must stay up for the other tests)."""
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server is not installed")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(tmp_path)]
    state = {}

    def start():
        state["process"] = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for(
            lambda: _answers(port), timeout=10, what=f"redis-server on port {port}"
        )

    def stop():
        state["process"].kill()
        state["process"].wait()

    start()
    yield SimpleNamespace(url=f"redis://127.0.0.1:{port}/0", start=start, stop=stop)
    stop()


@pytest.fixture
def site_cache_on(settings, own_redis):
    """The site's cache is the test's own redis-server (which it may stop)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return own_redis


def _answers(port: int) -> bool:
    try:
        return redis.Redis(port=port, socket_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


def _cache_at(url: str) -> RedisCache:
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    return RedisCache(url, {"KEY_PREFIX": "test-down", "OPTIONS": options})


def test_every_call_on_a_closed_port_answers_as_an_empty_cache(monkeypatch):
    monkeypatch.setattr(core.cache, "RETRY_AFTER", 0)
    down = _cache_at(f"redis://127.0.0.1:{free_port()}/0")

    assert down.get("page") is None
    assert down.get("page", "default") == "default"
    assert down.get_many(["a", "b"]) == {}
    assert down.add("lock", 1) is False
    assert down.set("page", 1) is None
    assert down.set_many({"a": 1}) == []
    assert down.touch("page") is False
    assert down.delete("page") is False
    assert down.delete_many(["a"]) is None
    assert down.has_key("page") is False
    with pytest.raises(ValueError, match="cache unavailable"):
        down.incr("hits")
    with pytest.raises(ValueError, match="cache unavailable"):
        down.decr("hits")


def test_after_a_failure_the_cache_waits_before_trying_redis_again(monkeypatch):
    down = _cache_at(f"redis://127.0.0.1:{free_port()}/0")
    calls = []
    connect = redis.connection.Connection.connect
    monkeypatch.setattr(
        redis.connection.Connection,
        "connect",
        lambda self: calls.append(1) or connect(self),
    )

    for _ in range(20):
        down.get("page")

    assert len(calls) == 1
    assert down.available is False


@pytest.mark.services
def test_the_cache_comes_back_with_redis(own_redis, monkeypatch):
    monkeypatch.setattr(core.cache, "RETRY_AFTER", 0)
    cache = _cache_at(own_redis.url)
    cache.set("page", "before", 60)

    own_redis.stop()
    assert cache.get("page") is None
    cache.set("page", "while down", 60)
    own_redis.start()

    assert cache.get("page") is None  # a restarted Redis keeps nothing
    cache.set("page", "after", 60)
    assert cache.get("page") == "after"
    assert cache.available


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", ["/en/", "/en/gallery/", "/en/stories/", "/en/help/", "/healthz"]
)
def test_pages_render_while_redis_is_down(client, site_cache_on, page):
    site_cache_on.stop()

    response = client.get(page)

    if page == "/healthz":
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert response.json()["checks"]["cache"]["ok"] is False
    else:
        assert response.status_code == HTTPStatus.OK


@pytest.mark.services
@pytest.mark.django_db
def test_a_rate_limited_form_while_redis_is_down_is_refused_and_says_why(
    client, site_cache_on
):
    site_cache_on.stop()

    response = client.post(
        "/en/accounts/login/", {"login": "kid@example.org", "password": "x" * 12}
    )

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = response.content.decode()
    assert "Part of our site is restarting" in page
    assert "Please slow down" not in page
