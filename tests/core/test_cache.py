"""With REDIS_URL set, the cache is Redis, shared by every process (rate limits depend on it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HEARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _in_process(code: str) -> str:
    env = {**os.environ, "REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.core.cache import cache; {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_redis_cache_is_shared_between_processes() -> None:
    if not _redis_reachable():
        if os.environ.get("HEARD_REQUIRE_REDIS"):
            pytest.fail("HEARD_REQUIRE_REDIS is set but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    key = f"heard-test-{uuid.uuid4().hex}"
    backend = _in_process(
        f"cache.set('{key}', 'from-the-first', 30); "
        "from django.core.cache import caches; print(type(caches['default']).__name__)"
    )
    assert backend == "RedisCache"
    assert _in_process(f"print(cache.get('{key}')); cache.delete('{key}')") == "from-the-first"


def test_without_redis_url_the_cache_is_local_memory(settings) -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
