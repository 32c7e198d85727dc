"""Django's PostgreSQL backend, with its connection health check paced and
a cursor for statements prepared on the server (see base.py). Set as ENGINE
in coaching/settings/."""
