"""`make bench` serves the app with these settings: the production settings
plus the baseline page the everyday pages are measured against. Nothing
here exists in the app itself."""

from coaching.settings import *  # noqa: F403 - the production settings, unchanged

ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405 - for bench/templates/
