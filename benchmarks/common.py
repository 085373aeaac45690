"""What every benchmark shares: the environment Heard runs in, and a few numbers.

The benchmarks run Heard as in production (DEBUG=false, PostgreSQL, Redis, the database task
queue, behind a TLS proxy that sets X-Forwarded-Proto) on their own database, `heard_bench`, which
nothing else uses: never the test suite's databases.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/heard_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# A proxy in front terminates TLS: requests say so with this header.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def bench_environment() -> dict[str, str]:
    """Production settings with throwaway secrets, for this process and the ones it starts."""
    from cryptography.fernet import Fernet

    if "heard_bench" not in DATABASE_URL and not os.environ.get("BENCH_ANY_DATABASE"):
        sys.exit(f"Refusing to benchmark {DATABASE_URL}: use a database of its own, heard_bench.")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Production mode refuses to start without an https:// address for links in emails.
        "HEARD_SITE_URL": "https://heard.example.org",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TASKS_BACKEND": "database",
        "BEHIND_TLS_PROXY": "true",
        "HEARD_DEMO": "false",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": "heard-bench",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        # The load test sends every story from one address: lift the limit of 5 an hour.
        "HEARD_STORIES_PER_HOUR": "1000000000",
    }
    if reachable(REDIS_URL):
        environment["REDIS_URL"] = REDIS_URL
    else:
        print(f"Redis is not answering at {REDIS_URL}: each process gets its own memory cache.", file=sys.stderr)
        environment.pop("REDIS_URL", None)
    return environment


def manage(*args: str, environment: dict[str, str]) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=environment, check=True, cwd=ROOT)  # noqa: S603


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [value * 1000 for value in seconds]
    return {
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "min_ms": round(min(ms), 2),
    }


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def machine() -> dict[str, Any]:
    import platform

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "system": platform.platform()}
