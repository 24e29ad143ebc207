// SQLite-specific behaviour of the group-commit writer (the interfaces' guarantees are tested by the
// conformance suites).
#include "wagate/store/sqlite/database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "wagate/store/sqlite/admin_repo.hpp"
#include "wagate/store/sqlite/message_repo.hpp"

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
                      OutletRecord o;
                      o.id = "o";
                      o.tenant_id = "t";
                      o.phone_number_id = "111";
                      admin_repo::InsertOutlet(c, o);
                      MessageRecord m;
                      m.id = "m1";
                      m.tenant_id = "t";
                      m.outlet_id = "o";
                      m.graph_request = "{}";
                      message_repo::Insert(c, m);
                      return core::Ok{};
                    })
                    .ok());
    core::Status bad = (*db)->WriteAndWait([](Connection& c) -> core::Status {
      c.Exec("UPDATE messages SET status = 'sent' WHERE id = 'm1'");
      return core::Error::Invalid("x", "refused");
    });
    EXPECT_FALSE(bad.ok());
    auto m = (*db)->Read([](Connection& c) { return message_repo::Get(c, "m1"); });
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->status, core::MessageStatus::kQueued);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

}  // namespace
}  // namespace wagate::store::sqlite
