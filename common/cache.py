"""Reads kept in the shared cache (Redis) under a generation counter.

A generation is a counter in the cache that every committed change of the data behind a read
moves on; keys hold it, so a change makes the next read compute afresh, and the timeout only
bounds memory. The cache is an optimisation: when it is down, reads compute and writes go on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import cast

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

try:
    from redis.exceptions import RedisError

    _RedisError: type[Exception] = RedisError
except ImportError:  # pragma: no cover (redis is a requirement)
    _RedisError = OSError

logger = logging.getLogger(__name__)

#: What a cache call raises when the shared cache (Redis) is down: the cache is an
#: optimisation, so reads count afresh and writes go on without it (tests/reliability).
CACHE_ERRORS: tuple[type[Exception], ...] = (_RedisError, OSError)


def generation(key: str) -> int:
    """The current value of the generation counter ``key``."""
    return cast(int, cache.get_or_set(key, 0, timeout=None))  # the default 0 rules out None


def generation_bump(key: str) -> None:
    """Move the generation ``key`` on once, now."""
    try:
        try:
            cache.incr(key)
        except ValueError:  # not set yet (or evicted): any new value invalidates
            cache.set(key, int(timezone.now().timestamp() * 1000), timeout=None)
    except CACHE_ERRORS:
        # Redis down must not stop a change being saved; a Redis restarted empty holds no
        # stale counts (tests/reliability/test_faults.py).
        logger.warning("Cache unavailable: the generation %s was not moved on", key, exc_info=True)


def generation_changed(key: str) -> None:
    """Move the generation on now and again once the change commits, so that cached reads are
    redone: a read racing the transaction may cache the old data under the first bump, never
    under the second."""
    generation_bump(key)
    transaction.on_commit(lambda: generation_bump(key))


def generation_cached(namespace: str, fingerprint: str, seconds: int, compute, *, generation_key: str):
    """``compute()`` behind the shared cache, for reads that many people make at once.

    The key holds the generation ``generation_key``, so any committed change that moves it on
    makes the next call compute afresh; the timeout only bounds memory and anything changed
    outside the services. With ``seconds`` = 0, or the cache down, every call computes."""
    if not seconds:
        return compute()
    try:
        key = f"{namespace}:{generation(generation_key)}:{hashlib.sha256(fingerprint.encode()).hexdigest()}"
        value = cache.get(key)
    except CACHE_ERRORS:
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(*CACHE_ERRORS):
            cache.set(key, value, timeout=seconds)
    return value
