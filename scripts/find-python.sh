#!/usr/bin/env bash
# Print the absolute path of the newest Python >= 3.12 found on this machine.
#
# Looks at (in this order, newest version wins):
#   $PYTHON (if set: used as long as it is >= 3.12, no matter what else exists)
#   python3.14 python3.13 python3.12 python3 on PATH (each must really run:
#     pyenv shims exist on PATH but fail unless PYENV_VERSION is set)
#   ${PYENV_ROOT:-$HOME/.pyenv}/versions/*/bin/python3 and `pyenv root`/versions/*
#   /usr/local/bin, /opt/homebrew/bin, /usr/bin (python3 and python3.N)
# Exits 1 with install instructions when none is found.
set -euo pipefail

MIN_MAJOR=3
MIN_MINOR=12

# Prints "major minor micro executable" for a working interpreter >= 3.12, else nothing.
probe() {
    "$1" - <<'EOF' 2>/dev/null || true
import sys
if sys.version_info[:2] >= (3, 12):
    print(*sys.version_info[:3], sys.executable)
EOF
}

candidates=()

if [ -n "${PYTHON:-}" ]; then
    found="$(probe "$PYTHON")"
    if [ -n "$found" ]; then
        echo "${found#* * * }"
        exit 0
    fi
    echo "find-python: \$PYTHON=$PYTHON is not a working Python >= $MIN_MAJOR.$MIN_MINOR; searching elsewhere" >&2
fi

for name in python3.14 python3.13 python3.12 python3; do
    if path="$(command -v "$name" 2>/dev/null)"; then
        candidates+=("$path")
    fi
done

roots=("${PYENV_ROOT:-$HOME/.pyenv}")
if command -v pyenv >/dev/null 2>&1; then
    if r="$(pyenv root 2>/dev/null)" && [ -n "$r" ]; then
        roots+=("$r")
    fi
fi
for r in "${roots[@]}"; do
    for p in "$r"/versions/*/bin/python3; do
        [ -x "$p" ] && candidates+=("$p")
    done
done

for dir in /usr/local/bin /opt/homebrew/bin /usr/bin; do
    for p in "$dir"/python3 "$dir"/python3.[0-9] "$dir"/python3.[0-9][0-9]; do
        [ -x "$p" ] && candidates+=("$p")
    done
done

best=""
best_key=""
seen=" "
for c in "${candidates[@]}"; do
    case "$seen" in *" $c "*) continue ;; esac
    seen+="$c "
    found="$(probe "$c")"
    [ -n "$found" ] || continue
    read -r major minor micro exe <<<"$found"
    # zero-padded sort key so that 3.13.0 > 3.12.10
    key="$(printf '%03d%03d%03d' "$major" "$minor" "$micro")"
    if [ -z "$best_key" ] || [[ "$key" > "$best_key" ]]; then
        best_key="$key"
        best="$exe"
    fi
done

if [ -n "$best" ]; then
    echo "$best"
    exit 0
fi

cat >&2 <<EOF
find-python: no Python >= $MIN_MAJOR.$MIN_MINOR found (looked at PATH, pyenv versions,
/usr/local/bin, /opt/homebrew/bin, /usr/bin). Install one, for example:
  Debian/Ubuntu:  sudo apt-get install python3.12 python3.12-venv   (or a newer release)
  macOS:          brew install python@3.13
  pyenv:          pyenv install 3.13
Or point PYTHON at one:  PYTHON=/path/to/python3.13 make ...
EOF
exit 1
