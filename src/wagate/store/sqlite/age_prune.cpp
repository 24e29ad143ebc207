#include "wagate/store/sqlite/age_prune.hpp"

#include <string>

namespace wagate::store::sqlite {

int64_t LastOldRowid(Connection& c, std::string_view table, std::string_view stamp, std::string_view filter,
                     int64_t before, int64_t max_rows) {
  std::string sql = "SELECT rowid, ";
  sql.append(stamp).append(" FROM ").append(table).append(" WHERE ").append(filter);
  sql.append(" ORDER BY rowid LIMIT ?");
  Statement st = c.Prepare(sql);
  st.Bind(1, max_rows);
  int64_t last = 0;
  while (st.Step()) {
    if (st.Int(1) >= before) break;
    last = st.Int(0);
  }
  return last;
}

int64_t DeleteOldRows(Connection& c, std::string_view table, std::string_view stamp, int64_t before, int64_t max_rows) {
  int64_t last = LastOldRowid(c, table, stamp, "1", before, max_rows);
  if (last == 0) return 0;
  std::string sql = "DELETE FROM ";
  sql.append(table).append(" WHERE rowid <= ? AND ").append(stamp).append(" < ?");
  c.Prepare(sql).Bind(1, last).Bind(2, before).Run();
  return c.Changes();
}

}  // namespace wagate::store::sqlite
