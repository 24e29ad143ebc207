// A deliberate leak for the layering test (CMakeLists.txt, layers.sqlite_outside_its_backend_fails):
// an API handler reaching for SQLite directly must be refused by tools/check_layers.py.
#include <sqlite3.h>
