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

// Under a steady stream of commits the WAL restarts from its beginning instead of growing without
// bound (the background checkpointer alone never catches up with a busy writer).
TEST(SqliteDatabaseTest, TheWalStaysBoundedUnderSteadyWrites) {
  std::string path = testing::TempDir() + "/wagate_database_wal_test_" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  {
    auto db = Database::Open({path, 2, 64});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)
                    ->WriteAndWait([](Connection& c) -> core::Status {
                      c.Exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
                      return core::Ok{};
                    })
                    .ok());
    // 400 commits of 25 pages each: 10,000 frames, 40 MB through the WAL, rows replaced in place.
    const std::string blob(100 * 1024, 'x');
    uintmax_t largest = 0;
    for (int i = 0; i < 400; ++i) {
      ASSERT_TRUE((*db)
                      ->WriteAndWait([&](Connection& c) -> core::Status {
                        c.Prepare("INSERT OR REPLACE INTO blobs(id, b) VALUES (?, ?)")
                            .Bind(1, int64_t{i % 8})
                            .Bind(2, blob)
                            .Run();
                        return core::Ok{};
                      })
                      .ok());
      largest = std::max(largest, std::filesystem::file_size(path + "-wal"));
    }
    // The catch-up threshold (16 MiB) plus one batch and the header: never the whole 40 MB.
    EXPECT_LT(largest, uintmax_t{20} * 1024 * 1024);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

}  // namespace
}  // namespace wagate::store::sqlite
