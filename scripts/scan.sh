#!/usr/bin/env bash
# `make scan`: the app with demo data, scanned by wapiti (signed in as a coach
# and as a client) and sqlmap (the main forms and filters). Fails on any
# finding of medium severity or above. Reports go to .run/scan/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/.run/scan"
rm -rf "$OUT" && mkdir -p "$OUT"
# Crawl time, and time per attack module (wapiti runs about ten), per person.
SCAN_SECONDS="${SCAN_SECONDS:-180}"
ATTACK_SECONDS="${ATTACK_SECONDS:-30}"
# shellcheck source=scripts/lib-services.sh
. scripts/lib-services.sh
# shellcheck source=scripts/lib-throwaway-db.sh
. scripts/lib-throwaway-db.sh
SERVER_PID=""

stop_server() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}

services_for_this_run scan
cleanup_add throwaway_db_drop
# Added after the drop, so it runs before it: the server lets go of the database first.
cleanup_add stop_server
throwaway_db_create "coaching_scan_$$"
PORT="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
SECRET_KEY="scan-only-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(40))')"
export SECRET_KEY
export SITE_URL="$BASE" ALLOWED_HOSTS=127.0.0.1
# The scanners speak plain http on loopback, so cookies cannot be Secure here;
# everything else is the production configuration (DEBUG off).
export SECURE_COOKIES=false
# urlsafe base64 of the 32 bytes "test-only-insecure-key-32-bytes!" (a valid Fernet key)
export FIELD_ENCRYPTION_KEYS=dGVzdC1vbmx5LWluc2VjdXJlLWtleS0zMi1ieXRlcyE=
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=9  # nothing listens: no mail leaves the scan

.venv/bin/python manage.py migrate --noinput -v0
DEBUG=true .venv/bin/python manage.py demo_data > "$OUT/demo-logins.txt"
.venv/bin/python -m gunicorn coaching.wsgi --bind "127.0.0.1:$PORT" --workers 2 \
    --no-control-socket --access-logfile "$OUT/access.log" --error-logfile "$OUT/error.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "$BASE/healthz" >/dev/null

.venv/bin/python scripts/scan_sessions.py 127.0.0.1 "$OUT" casey@demo.test robin@demo.test

echo "==> wapiti (signed in as a coach, then a client; crawl ${SCAN_SECONDS}s, ${ATTACK_SECONDS}s per attack module)"
for who in casey robin; do
    /usr/bin/python3 scripts/wapiti_run.py -u "$BASE/" --scope folder -c "$OUT/$who.cookies.json" \
        -x "$BASE/accounts/logout/" -x "$BASE/accounts/2fa/*" -x "$BASE/accounts/password/*" \
        -x "$BASE/accounts/email/*" -x "$BASE/accounts/sessions/*" \
        --max-scan-time "$SCAN_SECONDS" --max-attack-time "$ATTACK_SECONDS" --flush-session -f json -o "$OUT/wapiti-$who.json" \
        >"$OUT/wapiti-$who.log" 2>&1 || true
    test -s "$OUT/wapiti-$who.json" || { echo "wapiti wrote no report (see $OUT/wapiti-$who.log)" >&2; exit 1; }
done

echo "==> sqlmap (forms and filters, signed in)"
sqlmap_run() {
    local label="$1"; shift
    sqlmap --batch --level 2 --risk 1 --flush-session --disable-coloring \
        --output-dir "$OUT/sqlmap" "$@" >"$OUT/sqlmap-$label.log" 2>&1 || true
}
SUP_COOKIE="$(.venv/bin/python scripts/scan_sessions.py 127.0.0.1 "$OUT" sam@demo.test >/dev/null; cat "$OUT/sam.cookie")"
COACH_COOKIE="$(cat "$OUT/casey.cookie")"
sqlmap_run login -u "$BASE/accounts/login/" --forms --csrf-token csrfmiddlewaretoken
sqlmap_run report -u "$BASE/caseloads/report/?start=2026-01-01&end=2026-02-01" --cookie "$SUP_COOKIE"
sqlmap_run dashboard -u "$BASE/caseloads/?sort=coach" --cookie "$SUP_COOKIE"
sqlmap_run session -u "$BASE/sessions/new/" --forms --csrf-token csrfmiddlewaretoken --cookie "$COACH_COOKIE"

.venv/bin/python - "$OUT" <<'PY'
import json, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
names = {"4": "critical", "3": "high", "2": "medium", "1": "low", "0": "info"}
serious = 0
for report in sorted(out.glob("wapiti-*.json")):
    data = json.loads(report.read_text())
    for section in ("vulnerabilities", "anomalies"):
        for category, findings in data.get(section, {}).items():
            for finding in findings:
                level = str(finding.get("level", "0"))
                kind = "vulnerability" if section == "vulnerabilities" else "anomaly"
                print(f"{report.stem}: {kind} [{names.get(level, level)}] {category}: "
                      f"{finding.get('method')} {finding.get('path')} {finding.get('info', '')[:120]}")
                serious += level >= "2"
    print(f"{report.stem}: {sum(len(v) for v in data.get('vulnerabilities', {}).values())} "
          f"vulnerabilities, {sum(len(v) for v in data.get('anomalies', {}).values())} anomalies")
for log in sorted(out.glob("sqlmap-*.log")):
    text = log.read_text(errors="replace")
    injectable = re.findall(r"(?:is vulnerable|appears to be .*injectable|might be injectable)", text)
    print(f"{log.stem}: {'INJECTABLE' if injectable else 'no injection found'}")
    serious += bool(injectable)
print(f"findings of medium severity or above: {serious}")
sys.exit(1 if serious else 0)
PY
