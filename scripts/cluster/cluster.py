"""The cluster: which host runs what, with which environment, brought up in
order and taken down last-started first.

    db          PostgreSQL primary            db-replica  streaming replica
    redis       broker and cache              mail        SMTP sink (counts emails)
    web1, web2  gunicorn                      proxy       nginx (TLS) + upstream checker
    worker1, worker2  Celery workers          beat        Celery beat (exactly one)
    client1, client2  where the checks' requests come from
"""

import os
import secrets
import subprocess
import time
from pathlib import Path

from cryptography.fernet import Fernet

from scripts.cluster import database, hosts, proxy

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
CELERY = str(ROOT / ".venv" / "bin" / "celery")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
REDIS_PORT = 6379
MAIL_PORT = 2525
WEB_HOSTS = ["web1", "web2"]
WORKER_HOSTS = ["worker1", "worker2"]
HOSTS = [h for h in hosts.ADDRESSES if h != "restore"]
# Two cores are shared by every host: the smallest pools that still show
# each behaviour (two processes per web host, one task at a time per worker).
WEB_WORKERS = 2
WORKER_CONCURRENCY = 1
# A sweep every 5 s and a 30 s lease (production: 60 s and 120 s) so the
# checks see recovery in seconds; the lease stays longer than any batch.
SWEEP_SECONDS = 5
LEASE_SECONDS = 30
# A page-mix request fails when it errs, answers other than 200, or has no
# answer after this long (wrk's own 2 s would count a slow page on a
# saturated machine as failed; slowness shows in the p95 instead).
REQUEST_TIMEOUT = 15


def proxy_url() -> str:
    return f"https://{hosts.address('proxy')}"


def app_version() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


class Cluster:
    def __init__(self, run: Path):
        self.run = run
        self.network = hosts.Hosts(logs=run / "logs")
        self.bin = database.find_bin()
        self.primary_host = "db"
        self.db = database.Server(self.network, "db", run / "db" / "data", self.bin)
        self.replica = database.Server(
            self.network, "db-replica", run / "db-replica" / "data", self.bin
        )
        self.primary = self.db  # the replica after a failover (check 6)
        self.extra_servers: list[database.Server] = []  # check 7's fresh one
        self.keys = Fernet.generate_key().decode()
        self.secret_key = secrets.token_urlsafe(40)
        # /healthz's details (database, replicas, reminder lag) need it.
        self.healthz_token = secrets.token_urlsafe(24)
        # Signs backup manifests: only the owner's one-off commands get it.
        self.backup_signing_key = secrets.token_urlsafe(32)
        self.web: dict[str, hosts.Process] = {}
        self.workers: dict[str, hosts.Process] = {}
        self.beat: hosts.Process | None = None
        self.version = app_version()

    # ------------------------------------------------------------ environment

    def app_env(self, *, owner: bool = False) -> dict:
        """What every app process gets (docs/deploy.md lists it per host)."""
        proxy_address = hosts.address("proxy")
        url = database.owner_url if owner else database.app_url
        signing = {"BACKUP_SIGNING_KEY": self.backup_signing_key} if owner else {}
        return {
            **signing,
            "DATABASE_URL": url(self.primary_host),
            "DATABASE_APP_ROLE": database.APP_ROLE,
            "REDIS_URL": f"redis://{hosts.address('redis')}:{REDIS_PORT}/0",
            "SECRET_KEY": self.secret_key,
            "FIELD_ENCRYPTION_KEYS": self.keys,
            "SITE_URL": proxy_url(),
            "ALLOWED_HOSTS": ",".join([proxy_address, *(hosts.address(h) for h in WEB_HOSTS)]),
            "BEHIND_TLS_PROXY": "true",
            "TRUSTED_PROXY_COUNT": "1",
            "TRUSTED_PROXY_ADDRESSES": proxy_address,
            "EMAIL_HOST": hosts.address("mail"),
            "EMAIL_PORT": str(MAIL_PORT),
            "REMINDER_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
            "APP_VERSION": self.version,
            "HEALTHZ_TOKEN": self.healthz_token,
            "DJANGO_SETTINGS_MODULE": "coaching.settings",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "false",
        }

    def manage(self, *args: str, host: str = "web1", env: dict | None = None) -> str:
        """A one-off `manage.py` command on a host, as the tables' owner."""
        done = self.network.run(
            host, [PYTHON, "manage.py", *args], env={**self.app_env(owner=True), **(env or {})}
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    # ------------------------------------------------------------ up / down

    def up(self, say=print) -> None:
        hosts.remove_all()  # what an interrupted earlier run left
        self.run.mkdir(parents=True)
        (self.run / "logs").mkdir()
        (ROOT / ".run").mkdir(exist_ok=True)  # bench/load.py writes wrk's files there
        hosts.create(HOSTS)
        say("  hosts: " + ", ".join(HOSTS) + f" on {hosts.SUBNET}.0/24 (no route elsewhere)")
        self.db.init_primary()
        self.db.start()
        database.create_database(self.db)
        self.start_redis_and_mail()
        self.manage("migrate", "--noinput", "-v0")
        say(f"  db: PostgreSQL {self.bin.parent.name} primary, migrated")
        self.replica.init_replica(self.db)
        self.replica.start()
        hosts.wait_for(self.replica_streaming, timeout=30, what="replica streaming")
        say("  db-replica: streaming from db (pg_basebackup)")
        for host in WEB_HOSTS:
            self.start_web(host)
        for host in WEB_HOSTS:
            self.wait_web(host)
        proxy.start(self.network, self.run / "proxy", WEB_HOSTS, healthz_token=self.healthz_token)
        self.wait_proxy()
        for host in WORKER_HOSTS:
            self.start_worker(host)
        self.start_beat()
        say(
            f"  web1, web2: gunicorn x{WEB_WORKERS}; proxy: nginx TLS + /healthz checker; "
            f"worker1, worker2: celery x{WORKER_CONCURRENCY}; beat"
        )

    def start_redis_and_mail(self) -> None:
        redis_address = hosts.address("redis")
        self.network.start(
            "redis",
            "redis",
            [
                "redis-server",
                "--bind",
                redis_address,
                "--port",
                str(REDIS_PORT),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
        )
        self.network.start(
            "mail",
            "mail",
            [
                PYTHON,
                "-m",
                "scripts.cluster.mailsink",
                "--bind",
                hosts.address("mail"),
                "--port",
                str(MAIL_PORT),
                "--out",
                str(self.run / "mail.jsonl"),
            ],
        )
        hosts.wait_for(
            lambda: (
                self.network.run("redis", ["redis-cli", "-h", redis_address, "ping"]).stdout.strip()
                == "PONG"
            ),
            timeout=20,
            what="redis",
        )

    def start_web(self, host: str) -> None:
        self.web[host] = self.network.start(
            host,
            host,
            [
                GUNICORN,
                "coaching.wsgi",
                "--bind",
                f"{hosts.address(host)}:{proxy.WEB_PORT}",
                "--workers",
                str(WEB_WORKERS),
                "--no-control-socket",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "/dev/null",
            ],
            env=self.app_env(),
        )

    def wait_web(self, host: str) -> None:
        def answers():
            done = self.network.run(
                "proxy",
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "--max-time",
                    "3",
                    f"http://{hosts.address(host)}:{proxy.WEB_PORT}/healthz",
                ],
            )
            return done.stdout in {"200", "503"}

        hosts.wait_for(answers, timeout=60, what=f"{host} answering")

    def wait_proxy(self) -> None:
        hosts.wait_for(lambda: self.healthz()[0] in {200, 503}, timeout=30, what="proxy answering")

    def healthz(self, client: str = "client1") -> tuple[int, dict]:
        """/healthz through the proxy, from a client host."""
        import json

        done = self.network.run(
            client,
            [
                "curl",
                "-s",
                "--cacert",
                str(self.run / "proxy" / "proxy.crt"),
                "--max-time",
                "5",
                "-H",
                f"X-Healthz-Token: {self.healthz_token}",
                "-w",
                "\n%{http_code}",
                f"{proxy_url()}/healthz",
            ],
        )
        body, _, code = done.stdout.rpartition("\n")
        try:
            return int(code or 0), json.loads(body or "{}")
        except ValueError:
            return int(code or 0), {}

    def start_worker(self, host: str) -> None:
        self.workers[host] = self.network.start(
            host,
            host,
            [
                CELERY,
                "-A",
                "coaching",
                "worker",
                "--loglevel=INFO",
                f"--hostname={host}@cluster",
                f"--concurrency={WORKER_CONCURRENCY}",
                "--without-gossip",
                "--without-mingle",
            ],
            env=self.app_env(),
        )

    def start_beat(self) -> None:
        self.beat = self.network.start(
            "beat",
            "beat",
            [
                CELERY,
                "-A",
                "coaching",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.run / 'beat-schedule'}",
            ],
            env=self.app_env(),
        )

    def db_sql(self, statement: str) -> str:
        """SQL on the current primary, as the tables' owner."""
        return self.primary.sql(statement)

    def replica_streaming(self) -> bool:
        try:
            return (
                self.db.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
                == "1"
            )
        except RuntimeError:
            return False

    def down(self) -> None:
        self.network.stop_all()
        for server in self.extra_servers:
            server.stop()
        self.replica.stop()
        self.db.stop()
        hosts.remove_all()


def run_dir() -> Path:
    return Path(os.environ.get("CLUSTER_RUN_DIR", "/tmp/coaching-cluster"))


def fresh_run_dir() -> Path:
    """The run directory, emptied; first whatever an interrupted earlier
    run left running in our namespaces is stopped (it may use the files)."""
    hosts.remove_all()
    run = run_dir()
    if run.exists():
        subprocess.run(["rm", "-rf", str(run)], check=True)
    return run


def elapsed(since: float) -> str:
    return f"{time.monotonic() - since:.1f} s"
