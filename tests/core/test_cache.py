"""core.cache.RedisCache: Django's Redis cache with one redis-py client per pool."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.cache import RedisCache

pytestmark = pytest.mark.services


@pytest.fixture
def redis_cache(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield cache
    cache.delete_many(["page", "hits", "gone"])


def test_every_call_goes_through_one_client(redis_cache):
    redis_cache.set("page", (7, b"<html>", "text/html"), 60)

    assert redis_cache.get_many(["page", "gone"]) == {
        "page": (7, b"<html>", "text/html")
    }
    clients = {
        id(redis_cache._cache.get_client(write=write)) for write in (True, False)
    }
    assert len(clients) == 1


def test_the_shared_client_counts_right_from_many_threads(redis_cache):
    redis_cache.set("hits", 0, 60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: redis_cache.incr("hits"), range(200)))

    assert redis_cache.get("hits") == 200
