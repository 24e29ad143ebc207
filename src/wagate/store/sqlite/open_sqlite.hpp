// Opens the embedded SQLite backend: the file, its migrations, and the store interfaces over it.
// The only header of store/sqlite/ that code outside store/ includes (the composition root, tests):
// it shows no SQLite type.
#pragma once

#include <string>

#include "wagate/core/result.hpp"
#include "wagate/store/stores.hpp"

namespace wagate::store::sqlite {

struct SqliteSettings {
  std::string path;        // the database file; created and migrated when missing or older
  int readers = 4;         // read connections (WAL: readers never wait for the writer)
  size_t max_batch = 512;  // writes per group commit
};

[[nodiscard]] core::Result<Stores> OpenSqliteStores(const SqliteSettings& settings);

}  // namespace wagate::store::sqlite
