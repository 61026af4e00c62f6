"""Notes tests read entry pages right after a write, inside one test transaction
where on-commit callbacks (the gallery cache's invalidation) do not run: pages are
not cached here, except in test_visibility.py, which runs the callbacks and checks
the cache itself."""

import pytest


@pytest.fixture(autouse=True)
def _no_page_cache(request, settings):
    if not request.module.__name__.endswith("test_visibility"):
        settings.GALLERY_CACHE_SECONDS = 0
