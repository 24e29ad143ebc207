// Forgetting rows by age, oldest first, a bounded number per call: a table's rowids follow insertion
// order and so its stamps, so the rows to forget are its first ones and are found through the rowid,
// never by a scan of the whole table. A 60-second prune that scanned an 8-day webhook journal held the
// store's writer for as long as the scan took, growing with the journal.
#pragma once

#include <cstdint>
#include <string_view>

#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite {

// The rowid of the last row, in rowid order among the first `max_rows` rows matching `filter`, before
// the first one stamped at or after `before`; 0 when the first is not older. A row stamped out of order
// (the clock stepped back) waits until the newer rows before it are old too. `table`, `stamp` and
// `filter` are SQL written in the caller, never data.
int64_t LastOldRowid(Connection& c, std::string_view table, std::string_view stamp, std::string_view filter,
                     int64_t before, int64_t max_rows);

// Deletes up to `max_rows` of the oldest rows of `table` stamped before `before`; answers how many.
int64_t DeleteOldRows(Connection& c, std::string_view table, std::string_view stamp, int64_t before, int64_t max_rows);

}  // namespace wagate::store::sqlite
