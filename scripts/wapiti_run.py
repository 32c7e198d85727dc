"""Run Debian's wapiti 3.0.4 with its exclusion patterns working on Python
>= 3.11: it appends the global flags `(?ms)` after the pattern, which newer
Python refuses as soon as an exclusion (-x) is given."""

import re
import sys

from wapitiCore.main import wapiti
from wapitiCore.net import crawler


def _wildcard_translate(pattern: str) -> re.Pattern:
    return re.compile("(?ms)" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


crawler.wildcard_translate = _wildcard_translate
sys.argv[0] = "wapiti"
sys.exit(wapiti.wapiti_main())
