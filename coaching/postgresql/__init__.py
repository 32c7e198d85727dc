"""Django's PostgreSQL backend, with its connection health check paced
(see base.py). Set as ENGINE in coaching/settings.py."""
