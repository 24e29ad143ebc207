// SQLite-specific behaviour of the group-commit writer (the interfaces' guarantees are tested by the
// conformance suites).
#include "wagate/store/sqlite/database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "wagate/store/sqlite/admin_repo.hpp"

namespace wagate::store::sqlite {
namespace {

TEST(SqliteDatabaseTest, AFailingJobRollsBackAloneInItsBatch) {
  std::string path = testing::TempDir() + "/wagate_database_test_" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  {
    auto db = Database::Open({path, 2, 64});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)
                    ->WriteAndWait([](Connection& c) -> core::Status {
                      admin_repo::InsertTenant(c, TenantRecord{"t", "T", std::nullopt, 1});
                      return core::Ok{};
                    })
                    .ok());
    core::Status bad = (*db)->WriteAndWait([](Connection& c) -> core::Status {
      c.Exec("UPDATE tenants SET name = 'changed' WHERE id = 't'");
      return core::Error::Invalid("x", "refused");
    });
    EXPECT_FALSE(bad.ok());
    auto t = (*db)->Read([](Connection& c) { return admin_repo::GetTenant(c, "t"); });
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->name, "T");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

}  // namespace
}  // namespace wagate::store::sqlite
