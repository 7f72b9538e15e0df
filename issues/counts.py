"""The issue lists' row count, kept in the cache per scope and filter.

The exact `COUNT(*)` of a page is the largest single cost of the city office's list (≈27 ms
of ≈65 ms for all open issues of the city, bench/REMARKS.md). A count is kept under a key
made of the list query's SQL with its parameters (so the scope's region ids, the filters and
the search term are part of it) and of a data version. Every write to issues through the ORM
(save, delete, `QuerySet.update`/`delete`, `bulk_create`/`bulk_update`) and every save of a
unit or point (a moved unit changes the `unit` and `street` filters) bumps the version, at
once and again when the transaction commits, so no request reads a count older than the
last committed write. Writes outside the ORM (raw SQL) are seen after
`ISSUE_LIST_COUNT_SECONDS` (default 300 s) at the latest. A filter by `逾期` depends on the
clock, so its key changes with every request and it is counted each time.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "issues:list-count:version"


def _bump():
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:  # noqa: BLE001 — the cache being down must not stop a write
        pass


def issues_changed():
    """Call after any write that can change which issues a list holds."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def cached_count(queryset):
    seconds = getattr(settings, "ISSUE_LIST_COUNT_SECONDS", 300)
    if not seconds:
        return queryset.count()
    try:
        # The rows, not what is shown of them: `is_overdue` is annotated with the clock.
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(VERSION_KEY)
        digest = hashlib.blake2b(repr((sql, params)).encode(), digest_size=16).hexdigest()
        key = f"issues:list-count:{version}:{digest}"
        count = cache.get(key)
    except Exception:  # noqa: BLE001 — no cache: count every time
        return queryset.count()
    if count is None:
        count = queryset.count()
        try:
            cache.set(key, count, timeout=seconds)
        except Exception:  # noqa: BLE001, S110
            pass
    return count
