#!/usr/bin/env python3
"""Fails when a source file includes a folder its layer may not depend on.

The table below is the architecture's dependency rule (docs/architecture.md, "Folders and layers"):
each folder of src/wagate/ names the folders it may include. Anything else is a back-edge (a lower
layer reaching up) or a sideways leak (the sandbox into the gateway), and fails the build: CMake runs
this before compiling (target `wagate_layers`). Unit tests (*_test.cpp) follow their folder's rule too,
with the test-only allowances in TEST_EXTRA.

Usage: check_layers.py SRC_ROOT   (SRC_ROOT contains wagate/)
"""
import pathlib
import re
import sys

CORE = {"core"}
ALLOWED = {
    "core": set(),
    "metrics": set(),
    "security": CORE,
    "config": CORE,
    "http": CORE,
    "store": CORE,
    "content": CORE,
    "graph": CORE | {"security"},
    "conversation": CORE,
    "tenancy": CORE | {"security", "store"},
    "templates": CORE | {"content", "graph", "store", "tenancy"},
    "media": CORE | {"graph", "tenancy"},
    "engine": CORE | {"conversation", "graph", "metrics", "store", "tenancy"},
    "messaging": CORE | {"content", "conversation", "engine", "security", "store", "templates", "tenancy"},
    "inbound": CORE | {"conversation", "graph", "messaging", "metrics", "security", "store", "templates", "tenancy"},
    # Outgoing events (subscriptions, the outbox deliverer) and pre-send hooks.
    "events": CORE | {"metrics", "security", "store", "tenancy"},
    # Campaigns: recipients, lifecycle, and the runner that feeds them to the lanes as messages.
    "campaigns": CORE | {"content", "engine", "messaging", "metrics", "store", "templates", "tenancy"},
    # RabbitMQ: send commands in (through messaging), events out (from the outbox in store).
    "broker": CORE | {"config", "messaging", "metrics", "store", "tenancy"},
    "api": CORE | {"campaigns", "config", "content", "conversation", "engine", "events", "graph", "http", "inbound", "media",
                   "messaging", "metrics", "security", "store", "templates", "tenancy"},
    # The sandbox is an independent oracle of Meta's behaviour: it shares no gateway logic.
    "sandbox": CORE | {"http", "security"},
    "app": None,  # the composition root wires everything
}
# Tests may reach a little further than their folder (e.g. the API's JSON entry-point test also feeds
# the sandbox's validator the same bodies).
TEST_EXTRA = {"api": {"sandbox"}, "engine": {"security"}, "templates": {"security"}}
# Within store/, only store/sqlite/ (and its tests) may include a backend's files.
BACKEND_DIRS = ("store/sqlite/",)

INCLUDE = re.compile(r'^\s*#\s*include\s+"wagate/([a-z_]+)/([^"]+)"', re.M)
# A backend's client library is seen only inside its folder (acceptance of issue 9: the SQLite API is
# nowhere else, so a second backend is an addition).
BACKEND_LIBRARIES = {re.compile(r'^\s*#\s*include\s+<sqlite3\.h>', re.M): "store/sqlite/"}


def check(src_root: pathlib.Path) -> list[str]:
    base = src_root / "wagate"
    problems = []
    for path in sorted(base.rglob("*")):
        if path.suffix not in (".hpp", ".cpp"):
            continue
        rel = path.relative_to(base).as_posix()
        folder = rel.split("/")[0]
        if folder not in ALLOWED:
            problems.append(f"{rel}: folder '{folder}' has no row in tools/check_layers.py (add its dependency rule)")
            continue
        allowed = ALLOWED[folder]
        is_test = path.name.endswith("_test.cpp")
        text = path.read_text(errors="replace")
        for library, home in BACKEND_LIBRARIES.items():
            if library.search(text) and not rel.startswith(home):
                problems.append(f"{rel}: includes a storage backend's library, which only {home} may")
        for match in INCLUDE.finditer(text):
            target, rest = match.group(1), match.group(2)
            included = f"{target}/{rest}"
            if target != folder and allowed is not None:
                extra = TEST_EXTRA.get(folder, set()) if is_test else set()
                if target not in allowed and target not in extra:
                    problems.append(f"{rel}: includes wagate/{included}, but {folder}/ may include only "
                                    f"{', '.join(sorted(allowed)) or 'nothing of wagate'}")
                    continue
            # A backend's files are its own business: only the composition root opens one.
            if included.startswith(BACKEND_DIRS) and not rel.startswith(BACKEND_DIRS) and folder != "app":
                if not (included.endswith("open_sqlite.hpp") and is_test):
                    problems.append(f"{rel}: includes wagate/{included}; outside store/sqlite/ only app/ opens "
                                    "a backend (open_sqlite.hpp)")
    return problems


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    problems = check(pathlib.Path(sys.argv[1]))
    for p in problems:
        print(f"layering: {p}", file=sys.stderr)
    if problems:
        print(f"layering: {len(problems)} forbidden include(s); see docs/architecture.md", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
