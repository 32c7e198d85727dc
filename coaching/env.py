"""Strict parsing of environment variables.

A value that cannot be parsed stops start-up with a message naming the
variable: `DEBUG=maybe` must never quietly mean False.
"""

import ipaddress
import os
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_UNSET = object()


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _missing(name: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name} is required but not set.")


def env_str(name: str, default=_UNSET) -> str:
    value = _raw(name)
    if value is None:
        if default is _UNSET:
            raise _missing(name)
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name} must be true or false (1/0, yes/no, on/off), not {value!r}."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be a whole number, not {value!r}."
        ) from None
    if number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list:
    """Comma-separated addresses or networks (10.0.0.5, 10.0.0.0/24, ::1)."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"Environment variable {name} must list IP addresses or networks "
                f"(e.g. 10.0.0.5,10.0.1.0/24), not {item!r}."
            ) from None
    return networks


_HEADER_NAME = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")


def env_header_name(name: str, default: str | None) -> str | None:
    """An HTTP header name such as X-Real-IP: letters, digits and single
    hyphens. Underscores are refused: proxies drop such headers and Django
    could not read them, so the setting would quietly do nothing."""
    value = _raw(name)
    if value is None:
        return default
    if not _HEADER_NAME.fullmatch(value):
        raise ImproperlyConfigured(
            f"Environment variable {name} must be an HTTP header name such as "
            f"X-Real-IP (letters, digits and hyphens), not {value!r}."
        )
    return value


def env_database(name: str, default: str) -> dict:
    """Parse a postgres:// URL into a Django DATABASES entry."""
    url = _raw(name) or default
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name} is not a valid URL "
            "(expected postgres://user:password@host:port/database)."
        ) from None
    database = unquote(parts.path.lstrip("/"))
    if parts.scheme not in {"postgres", "postgresql"} or not database or "/" in database:
        raise ImproperlyConfigured(
            f"Environment variable {name} must look like "
            "postgres://user:password@host:port/database."
        )
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port or ""),
        "OPTIONS": options,
    }


def env_redis_url(name: str, default: str) -> str:
    url = _raw(name) or default
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name} is not a valid URL.") from None
    if parts.scheme not in {"redis", "rediss", "unix"} or not (parts.hostname or parts.path):
        raise ImproperlyConfigured(
            f"Environment variable {name} must look like redis://host:port/db."
        )
    return url
