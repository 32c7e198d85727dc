"""What limits a page: `make bench` profiles its slowest GET page in-process,
the call tree through our code (pyinstrument) and where a request's time
goes by layer (cProfile)."""

import cProfile
import pstats

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer

from accounts.models import User
from bench.signin import signed_in_client


def profile_page(label: str, user: User, path: str, requests: int = 30) -> None:
    client = signed_in_client(user)
    client.get(path)  # warm: the user session, the compiled templates
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(requests):
            client.get(path)
    print(f"\nProfile of the slowest GET page, {label} ({path}), {requests} requests in-process:")
    # The call tree through our own code; Django's and the drivers' frames
    # are folded into the line that called them.
    renderer = ConsoleRenderer(unicode=False, color=False, show_all=False, short_mode=True)
    print("\n".join(profiler.output(renderer).splitlines()[:70]))
    _where_time_goes(client, path, requests)


# (label, file the function is in, function): cumulative time of each.
_SHARES = [
    ("whole request", "django/test/client.py", "request"),
    ("the view (middleware excluded)", "django/core/handlers/base.py", "_get_response"),
    ("ORM: build SQL, run, fetch", "django/db/models/sql/compiler.py", "execute_sql"),
    ("  of which PostgreSQL round trips", "psycopg/cursor.py", "execute"),
    ("template rendering (incl. lazy queries)", "django/template/backends/django.py", "render"),
    ("  of which the date filter", "django/template/defaultfilters.py", "date"),
    ("  of which {% url %}", "django/urls/base.py", "reverse"),
]


def _where_time_goes(client, path: str, requests: int = 30) -> None:
    """Where one request's time goes, by layer (cProfile; its overhead
    inflates every figure alike, so read them as shares)."""

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        client.get(path)
    profile.disable()
    stats = pstats.Stats(profile).stats
    whole = None
    print(f"\nWhere the time of {path} goes (cProfile, per request):")
    for label, filename, function in _SHARES:
        seconds = sum(
            row[3] for key, row in stats.items() if key[0].endswith(filename) and key[2] == function
        )
        whole = whole or seconds
        print(f"  {label:<42} {seconds * 1000 / requests:6.1f} ms  {seconds / whole:4.0%}")
