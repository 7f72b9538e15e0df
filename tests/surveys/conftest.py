import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """The public form's rate limit lives in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()
