"""The cache on Redis, tolerant of Redis being away (issue 21): a read is a miss and a write is
skipped, with a warning in the log, so pages are still served while Redis restarts. Safeguard
keeps nothing in the cache that it cannot fetch again (the sign-in providers' published settings);
sessions are in the database."""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class TolerantRedisCache(RedisCache):
    def _tolerant(self, fallback, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except RedisError as error:
            logger.warning("Cache unavailable (%s): carrying on without it.", type(error).__name__)
            return fallback

    def get(self, key, default=None, version=None):
        return self._tolerant(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._tolerant({}, super().get_many, keys, version)

    def set(self, key, value, timeout=None, version=None):
        return self._tolerant(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._tolerant(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._tolerant(list(data), super().set_many, data, timeout, version)

    def delete(self, key, version=None):
        return self._tolerant(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._tolerant(None, super().delete_many, keys, version)

    def touch(self, key, timeout=None, version=None):
        return self._tolerant(False, super().touch, key, timeout, version)

    def has_key(self, key, version=None):
        return self._tolerant(False, super().has_key, key, version)

    def clear(self):
        return self._tolerant(None, super().clear)
