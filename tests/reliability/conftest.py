"""Fault injection: servers of the test's own, which the test may stop."""

import shutil
import subprocess

import pytest
import redis

from tests.conftest import _free_port, wait_until


class RedisServer:
    """A redis-server on a port of its own, without persistence: stopping it
    loses every queued message, as a crash of a cache-only Redis would."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        assert self.binary, "redis-server is not installed (make test installs it)"
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        self.process = None

    def _answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.exceptions.ConnectionError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        assert wait_until(self._answers, timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis(settings, redis_server):
    """The project's cache and broker settings pointed at `redis_server`."""
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": redis_server.url},
    }
    return redis_server.client, redis_server.stop
