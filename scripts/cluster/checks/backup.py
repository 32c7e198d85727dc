"""Check 7: `make backup`'s commands on the cluster, restored into a fresh
PostgreSQL on a new host, with the keys brought from where they are kept."""

import json

from scripts.cluster import database, hosts, proxy
from scripts.cluster.cluster import GUNICORN, PYTHON, Cluster


def backup_and_restore(cluster: Cluster) -> tuple[bool, str]:
    target = cluster.run / "backups" / "drill"
    target.parent.mkdir(parents=True)
    pg_path = f"{cluster.bin}:/usr/local/bin:/usr/bin:/bin"
    out = cluster.manage("backup_create", str(target), env={"PATH": pg_path})
    manifest = json.loads((target / "manifest.json").read_text())
    # The keys (encryption and backup signing) are not in the backup: neither
    # in the manifest nor anywhere in the dump's SQL; nor is any session row.
    sql = cluster.network.run(
        "web1", [str(cluster.bin / "pg_restore"), "-f", "-", str(target / "database.dump")]
    ).stdout
    key_found = any(
        key in text
        for key in [*cluster.keys.split(","), cluster.backup_signing_key]
        for text in (sql, (target / "manifest.json").read_text())
    )

    session_rows = any(
        line.startswith(f"COPY public.{table} ") and not lines_after.startswith("\\.")
        for table in ("accounts_loginsession",)
        for line, lines_after in _copies(sql)
    )

    # A fresh cluster: a new host with a PostgreSQL of its own.
    hosts.add_host("restore")
    fresh = database.Server(
        cluster.network, "restore", cluster.run / "restore" / "data", cluster.bin
    )
    cluster.extra_servers.append(fresh)
    fresh.init_primary()
    fresh.start()
    database.create_database(fresh)
    env = {**cluster.app_env(owner=True), "PATH": pg_path,
           "DATABASE_URL": database.owner_url("restore")}  # fmt: skip
    restored = cluster.network.run(
        "restore", [PYTHON, "manage.py", "backup_restore", str(target)], env=env
    )
    # The app starts on it.
    app_env = {**cluster.app_env(), "DATABASE_URL": database.app_url("restore"),
               "ALLOWED_HOSTS": hosts.address("restore")}  # fmt: skip
    web = cluster.network.start(
        "restore", "restore-web",
        [GUNICORN, "coaching.wsgi", "--bind", f"{hosts.address('restore')}:{proxy.WEB_PORT}",
         "--workers", "1", "--no-control-socket"],
        env=app_env,
    )  # fmt: skip
    base = f"http://{hosts.address('restore')}:{proxy.WEB_PORT}"

    def answers():
        done = cluster.network.run(
            "restore",
            [
                "curl",
                "-s",
                "--max-time",
                "3",
                "-H",
                "X-Forwarded-Proto: https",
                "-H",
                f"X-Healthz-Token: {cluster.healthz_token}",
                f"{base}/healthz",
            ],  # fmt: skip
        )
        try:
            return json.loads(done.stdout)
        except ValueError:
            return None

    health = hosts.wait_for(answers, timeout=60, what="the app on the restored database")
    login = cluster.network.run(
        "restore",
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
         "-H", "X-Forwarded-Proto: https", f"{base}/accounts/login/"],
    ).stdout  # fmt: skip
    web.stop()
    findings = [line for line in restored.stdout.splitlines() if line.strip()]
    ok = (
        restored.returncode == 0
        and not key_found
        and not session_rows
        and health.get("database") == "ok"
        and login == "200"
    )
    rows = sum(manifest["tables"].values())
    detail = "; ".join(findings[:3]) if restored.returncode == 0 else restored.stderr[-600:]
    line = (
        f"7. backup and restore: {out.strip().split(';')[0]} ({rows} rows, schema "
        f"{len(manifest['schema'])} apps; keys in the backup: {'FOUND' if key_found else 'none'}; "
        f"session rows: {'FOUND' if session_rows else 'none'}; manifest signed); "
        f"restored into a fresh PostgreSQL on host `restore`: {detail}; the app started on it "
        f"(/healthz database {health.get('database')}, login page {login})"
    )
    return ok, line


def _copies(sql: str):
    """(COPY line, the text after it) for each table's data in the SQL."""
    lines = sql.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY "):
            yield line, "\n".join(lines[number + 1 : number + 2])
