"""Django's Redis cache: one redis-py client per connection pool, and a cache that
is down behaves as an empty one.

One client per pool: Django's RedisCacheClient builds a new `redis.Redis` for every
cache call, and redis-py 8's constructor fills a table of some two hundred response
callbacks each time: on this machine that was about half the CPU time of a gallery
page served whole from the cache. A `redis.Redis` holds no connection of its own (it
takes one from the pool per command and gives it back) and may be shared between
threads, so one per pool is enough. The pool checks the process id, so a forked
worker still opens its own connections.

Down is empty: while Redis cannot be reached (restarted, a network cut), a read is a
miss, a write stores nothing, and `incr` raises ValueError as for a missing key, so
pages render uncached instead of failing (see docs/decisions.md, "When the cache is
down"). After a failure the client waits RETRY_AFTER seconds before it tries Redis
again, so a page does not pay a connect timeout for every key it reads.
"""

import logging
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class CacheUnavailable(ValueError):
    """Raised by `incr` while Redis is down: a ValueError, as for a missing key,
    which every caller of `incr` already handles."""


def _down_is_empty(empty):
    """Run the cache call; while Redis is unreachable, return what `empty` makes of
    the call's arguments instead (or raise it, when it is CacheUnavailable)."""

    def decorator(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self.down_until:
                return self._empty(empty, method.__name__, args, kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNREACHABLE as error:
                self._went_down(method.__name__, error)
                return self._empty(empty, method.__name__, args, kwargs)
            self.down_until = 0.0
            return result

        return wrapper

    return decorator


def _false(*args, **kwargs):
    return False


def _nothing(*args, **kwargs):
    return None


def _no_keys(*args, **kwargs):
    return {}


def _the_default(key, default):
    return default


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self.down_until = 0.0
        self._warned_at = 0.0

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _went_down(self, call: str, error: Exception) -> None:
        now = time.monotonic()
        self.down_until = now + RETRY_AFTER
        if now - self._warned_at > 30:
            self._warned_at = now
            log.warning("cache unreachable (%s): serving without it: %s", call, error)

    @staticmethod
    def _empty(empty, call: str, args, kwargs):
        if empty is CacheUnavailable:
            raise CacheUnavailable(f"cache unavailable ({call})")
        return empty(*args, **kwargs)

    add = _down_is_empty(_false)(RedisCacheClient.add)
    get = _down_is_empty(_the_default)(RedisCacheClient.get)
    set = _down_is_empty(_nothing)(RedisCacheClient.set)
    touch = _down_is_empty(_false)(RedisCacheClient.touch)
    delete = _down_is_empty(_false)(RedisCacheClient.delete)
    get_many = _down_is_empty(_no_keys)(RedisCacheClient.get_many)
    has_key = _down_is_empty(_false)(RedisCacheClient.has_key)
    incr = _down_is_empty(CacheUnavailable)(RedisCacheClient.incr)
    set_many = _down_is_empty(_nothing)(RedisCacheClient.set_many)
    delete_many = _down_is_empty(_nothing)(RedisCacheClient.delete_many)
    clear = _down_is_empty(_false)(RedisCacheClient.clear)


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    @property
    def available(self) -> bool:
        """False for a second after a call found Redis unreachable."""
        return time.monotonic() >= self._cache.down_until
