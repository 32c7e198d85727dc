"""Files by feature, tests named for the code, no imports hidden in functions.

- No module of ours passes 400 lines (migrations, settings and tests aside):
  past that a layer file becomes a package with one module per feature.
- Every `views/<m>.py` and `services/<m>.py` (and `views.py`/`services.py`) has
  a test module of its name, `tests/<app>/test_<m>*.py`: page tests are
  `test_<m>_views.py`, service tests `test_<m>.py` or `test_<m>_<aspect>.py`.
- No module imports a module of the project inside a function (only an app's
  `AppConfig.ready` may): an import circle is broken by moving the shared piece.

Each rule is a function over a root folder, so the tests below can also show
it catching a breach in a small tree of their own.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Our Python: the apps, the bottom layer, the benchmarks and the scripts.
OURS = ["accounts", "sessions_log", "coaching", "common", "bench", "scripts"]
# What "a module of the project" is, for imports inside functions.
PROJECT = {"common", "accounts", "sessions_log", "coaching", "bench", "scripts"}
MAX_LINES = 400


def _modules(root: Path):
    """Our Python modules, migrations aside (tests live outside these
    folders)."""
    for package in OURS:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).parts
            if "migrations" in parts:
                continue
            yield path


def too_long(root: Path) -> list[str]:
    found = []
    for path in _modules(root):
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            found.append(f"{path.relative_to(root)}: {lines} lines")
    return found


def _views_and_services(root: Path):
    """(app, module name, path) for every views or services module."""
    for path in _modules(root):
        parts = path.relative_to(root).parts
        a_module = path.stem in {"views", "services"}
        in_a_package = parts[-2] in {"views", "services"} and path.stem != "__init__"
        if a_module or in_a_package:
            yield parts[0], path.stem, path


def untested(root: Path) -> list[str]:
    found = []
    for app, name, path in _views_and_services(root):
        if not list((root / "tests" / app).glob(f"test_{name}*.py")):
            found.append(f"{path.relative_to(root)}: no tests/{app}/test_{name}*.py")
    return found


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: always one of ours
            return ["." * node.level + (node.module or "")]
        return [node.module or ""]
    return []


def _is_ours(module: str) -> bool:
    return module.startswith(".") or module.split(".")[0] in PROJECT


def imports_in_functions(root: Path) -> list[str]:
    found = []
    for path in _modules(root):
        tree = ast.parse(path.read_text(), filename=str(path))
        allowed = set()
        if path.name == "apps.py":
            for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
                for method in cls.body:
                    if isinstance(method, ast.FunctionDef) and method.name == "ready":
                        allowed.update(id(n) for n in ast.walk(method))
        functions = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        seen = set()
        for function in functions:
            for node in ast.walk(function):
                if id(node) in allowed or id(node) in seen:
                    continue
                seen.add(id(node))
                for module in _imported_modules(node):
                    if _is_ours(module):
                        found.append(
                            f"{path.relative_to(root)}:{node.lineno} imports {module} "
                            f"inside {function.name}()"
                        )
    return found


def test_no_module_of_ours_is_over_400_lines():
    found = too_long(ROOT)
    assert not found, "\n".join(found)


def test_every_views_and_services_module_has_tests_of_its_name():
    found = untested(ROOT)
    assert not found, "\n".join(found)


def test_no_module_imports_the_project_inside_a_function():
    found = imports_in_functions(ROOT)
    assert not found, "\n".join(found)


# The rules themselves, on small trees.


def _write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_long_module_is_reported_but_not_a_migration(tmp_path):
    long = "x = 1\n" * (MAX_LINES + 1)
    _write(tmp_path, "accounts/models.py", long)
    _write(tmp_path, "accounts/migrations/0001_initial.py", long)
    _write(tmp_path, "scripts/short.py", "x = 1\n" * MAX_LINES)
    assert too_long(tmp_path) == [f"accounts/models.py: {MAX_LINES + 1} lines"]


def test_a_views_or_services_module_without_tests_of_its_name_is_reported(tmp_path):
    _write(tmp_path, "accounts/services/__init__.py")
    _write(tmp_path, "accounts/services/people.py")
    _write(tmp_path, "accounts/services/teams.py")
    _write(tmp_path, "sessions_log/views.py")
    _write(tmp_path, "coaching/views/homes.py")
    _write(tmp_path, "coaching/selectors/homes.py")  # not a views or services module
    _write(tmp_path, "tests/accounts/test_people_invitations.py")
    _write(tmp_path, "tests/coaching/test_homes_views.py")
    assert untested(tmp_path) == [
        "accounts/services/teams.py: no tests/accounts/test_teams*.py",
        "sessions_log/views.py: no tests/sessions_log/test_views*.py",
    ]


def test_an_import_of_the_project_inside_a_function_is_reported(tmp_path):
    _write(
        tmp_path,
        "coaching/tasks.py",
        "import json\n"
        "from accounts import audit\n"
        "def send():\n"
        "    import datetime\n"
        "    from coaching.services import outreach\n"
        "class Job:\n"
        "    def run(self):\n"
        "        from . import scoring\n",
    )
    _write(
        tmp_path,
        "coaching/apps.py",
        "class CoachingConfig:\n"
        "    def ready(self):\n"
        "        from coaching import receivers\n"
        "    def other(self):\n"
        "        import accounts.models\n",
    )
    _write(tmp_path, "coaching/migrations/0001_x.py", "def f():\n    from common import crypto\n")
    assert imports_in_functions(tmp_path) == [
        "coaching/apps.py:5 imports accounts.models inside other()",
        "coaching/tasks.py:5 imports coaching.services inside send()",
        "coaching/tasks.py:8 imports . inside run()",
    ]
