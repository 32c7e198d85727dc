"""The `proxy` host: nginx from Debian terminating TLS with a certificate
made for the run, and the upstream checker that takes a web host whose
/healthz does not answer out of nginx's upstream list."""

import subprocess
from pathlib import Path

from scripts.cluster import hosts
from scripts.cluster.upstream_check import render

WEB_PORT = 8000

NGINX_CONF = """\
# Written by scripts/cluster/proxy.py; docs/deploy.md gives the same
# configuration for production.
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 1024; }}

http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    client_max_body_size 2m;
    server_tokens off;

    upstream app {{
        # One line per web host; the upstream checker rewrites this file
        # (marking a host `down`) and reloads nginx.
        include {run}/upstreams.conf;
    }}

    server {{
        listen {address}:80;
        return 301 https://$host$request_uri;
    }}

    server {{
        listen {address}:443 ssl;
        ssl_certificate {run}/proxy.crt;
        ssl_certificate_key {run}/proxy.key;
        ssl_protocols TLSv1.2 TLSv1.3;

        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
            # The address nginx saw, overwriting whatever the client sent in
            # these headers; the app reads the last X-Forwarded-For entry
            # (TRUSTED_PROXY_COUNT=1) and only from this host's address
            # (TRUSTED_PROXY_ADDRESSES).
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            # A web host that refuses or drops a connection: the request
            # goes to the next one (a POST only if it never reached the
            # host). No failure is counted against the host for it
            # (max_fails=0 in the upstream lines): a busy machine makes
            # every host slow at once, and counted failures would take
            # them all out; the upstream checker marks hosts down.
            proxy_next_upstream error timeout http_502;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""


def _server(host: str) -> str:
    return f"{hosts.address(host)}:{WEB_PORT}"


def upstream_lines(web_hosts: list[str], down: set[str] = frozenset()) -> str:
    return render([_server(h) for h in web_hosts], {_server(h) for h in down})


def make_certificate(run: Path) -> Path:
    """A self-signed certificate for the proxy's address, valid two days."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(run / "proxy.key"),
            "-out",
            str(run / "proxy.crt"),
            "-days",
            "2",
            "-subj",
            "/CN=coaching cluster test",
            "-addext",
            f"subjectAltName=IP:{hosts.address('proxy')}",
        ],
        check=True,
        capture_output=True,
    )
    (run / "proxy.key").chmod(0o600)
    return run / "proxy.crt"


def start(network: hosts.Hosts, run: Path, web_hosts: list[str], *, healthz_token: str) -> None:
    run.mkdir(parents=True, exist_ok=True)
    make_certificate(run)
    (run / "upstreams.conf").write_text(upstream_lines(web_hosts))
    conf = run / "nginx.conf"
    conf.write_text(NGINX_CONF.format(run=run, address=hosts.address("proxy")))
    network.start("proxy", "nginx", ["nginx", "-c", str(conf), "-g", "daemon off;"])
    hosts.wait_for(lambda: (run / "nginx.pid").exists(), timeout=20, what="nginx start")
    network.start(
        "proxy",
        "upstream-check",
        [
            str(Path(".venv/bin/python").resolve()),
            "-m",
            "scripts.cluster.upstream_check",
            "--conf",
            str(run / "upstreams.conf"),
            "--nginx-pid",
            str(run / "nginx.pid"),
            *[f"{hosts.address(h)}:{WEB_PORT}" for h in web_hosts],
        ],
        env={"HEALTHZ_TOKEN": healthz_token},  # it reads `database` from the details
    )


def hosts_marked_down(run: Path, web_hosts: list[str]) -> set[str]:
    lines = set((run / "upstreams.conf").read_text().splitlines())
    return {h for h in web_hosts if render([_server(h)], {_server(h)}).strip() in lines}
