"""The `db` host (PostgreSQL primary), `db-replica` (a streaming replica made
with pg_basebackup) and their failover: promote the replica."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

from scripts.cluster import hosts

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 5432
DATABASE = "coaching"
APP_ROLE = "coaching_app"


def find_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_basebackup").exists():
            return candidate
    return None


def owner_url(host: str) -> str:
    return f"postgres://postgres@{hosts.address(host)}:{PORT}/{DATABASE}"


def app_url(host: str) -> str:
    return f"postgres://{APP_ROLE}@{hosts.address(host)}:{PORT}/{DATABASE}"


@dataclass
class Server:
    """One PostgreSQL server in one test host; its files in `data`."""

    network: hosts.Hosts
    host: str
    data: Path
    bin: Path

    def _as_postgres(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        done = self.network.run(self.host, ["runuser", "-u", "postgres", "--", *argv])
        if check and done.returncode != 0:
            raise RuntimeError(f"{argv[0]} on {self.host} failed: {done.stderr or done.stdout}")
        return done

    def _config(self) -> None:
        (self.data / "cluster.conf").write_text(
            "# Written by scripts/cluster/database.py for this run.\n"
            f"listen_addresses = '{hosts.address(self.host)}'\n"
            f"port = {PORT}\n"
            "unix_socket_directories = ''\n"
            "max_connections = 100\n"
            "wal_level = replica\n"
            "max_wal_senders = 5\n"
            "hot_standby = on\n"
            "shared_buffers = 64MB\n"
        )
        # Test hosts only: every address of the cluster's subnet, no passwords.
        (self.data / "pg_hba.conf").write_text(
            f"host all all {hosts.SUBNET}.0/24 trust\n"
            f"host replication all {hosts.SUBNET}.0/24 trust\n"
        )

    def _make_dirs(self) -> None:
        # The log goes beside the data directory: both the postgres user's.
        self.data.mkdir(parents=True)
        subprocess.run(["chown", "-R", "postgres:postgres", str(self.data.parent)], check=True)
        self.data.chmod(0o700)

    def init_primary(self) -> None:
        self._make_dirs()
        self._as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
            "--auth=trust",
        )
        self._as_postgres(
            "sh", "-c", f"echo \"include 'cluster.conf'\" >> {self.data}/postgresql.conf"
        )
        self._config()
        subprocess.run(
            [
                "chown",
                "postgres:postgres",
                str(self.data / "cluster.conf"),
                str(self.data / "pg_hba.conf"),
            ],
            check=True,
        )

    def init_replica(self, primary: "Server") -> None:
        """A base backup of the running primary, set to follow it (-R)."""
        self._make_dirs()
        self._as_postgres(
            str(self.bin / "pg_basebackup"),
            "-h",
            hosts.address(primary.host),
            "-p",
            str(PORT),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
        )
        self._config()

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.data.parent / "postgresql.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        """A fast shutdown: committed WAL is sent to the replica before it ends."""
        if (self.data / "postmaster.pid").exists():
            self._as_postgres(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
                "stop",
                check=False,
            )

    def promote(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "promote"
        )

    def sql(self, statement: str, *, database: str = DATABASE) -> str:
        done = self.network.run(
            self.host,
            [
                str(self.bin / "psql"),
                "-X",
                "-qAt",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                hosts.address(self.host),
                "-p",
                str(PORT),
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                statement,
            ],
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql on {self.host}: {done.stderr.strip()}")
        return done.stdout.strip()

    def ready(self) -> bool:
        done = self.network.run(
            self.host,
            [str(self.bin / "pg_isready"), "-q", "-h", hosts.address(self.host), "-p", str(PORT)],
        )
        return done.returncode == 0


def create_database(primary: Server) -> None:
    primary.sql(f"CREATE DATABASE {DATABASE}", database="postgres")
    primary.sql(
        f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE", database="postgres"
    )
    # /healthz reads the replicas' lag from pg_stat_replication, which shows
    # its figures only to superusers and members of pg_monitor.
    primary.sql(f"GRANT pg_monitor TO {APP_ROLE}", database="postgres")
    # No temporary tables for the app (sessions_log 0016 does it too on migrate).
    primary.sql(
        f"REVOKE TEMPORARY ON DATABASE {DATABASE} FROM PUBLIC, {APP_ROLE}", database="postgres"
    )
