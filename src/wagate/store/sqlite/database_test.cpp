// SQLite-specific behaviour of the group-commit writer (the interfaces' guarantees are tested by the
// conformance suites).
#include "wagate/store/sqlite/database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>

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

// The store checkpoints through a connection of its own that reads nothing else. A connection opens
// the WAL only at its first read, and until then SQLite answers a checkpoint OK without doing one: the
// background checkpointer did nothing for that reason, unnoticed (bench/README.md, sixth pass).
TEST(SqliteDatabaseTest, AConnectionThatReadNothingYetStillCheckpoints) {
  std::string path = testing::TempDir() + "/wagate_checkpoint_test_" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  {
    Connection writer(path, false);
    writer.Exec("PRAGMA journal_mode=WAL");
    writer.Exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    for (int i = 0; i < 100; ++i) writer.Exec("INSERT INTO rows(v) VALUES (hex(randomblob(200)))");
    ASSERT_GT(writer.WalFrames(), 0);
    auto db_size = std::filesystem::file_size(path);
    Connection checkpointer(path, false);
    EXPECT_TRUE(checkpointer.CheckpointPassive());  // every frame copied back
    EXPECT_GT(std::filesystem::file_size(path), db_size);
    // Copied, so the writer's next transaction writes the WAL from its beginning again.
    writer.Exec("INSERT INTO rows(v) VALUES ('after')");
    EXPECT_EQ(writer.WalFrames(), 1);
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

// The writer does not wait for a batch's answers (the syncer gives them once the WAL is on disk): it
// runs the next batch meanwhile. Here the first batch's answer blocks the syncer until the second
// batch's job has run on the writer; with answers on the writer's path that would never happen.
TEST(SqliteDatabaseTest, TheWriterRunsTheNextBatchWhileTheLastOneIsAnswered) {
  std::string path = testing::TempDir() + "/wagate_database_sync_test_" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  {
    auto db = Database::Open({path, 2, 64});
    ASSERT_TRUE(db.ok()) << db.error().message;
    std::promise<void> second_ran;
    std::future<void> second_ran_seen = second_ran.get_future();
    std::promise<void> first_ran;
    std::promise<bool> first_answered;
    std::promise<core::Status> second_answered;
    (*db)->Write(
        [&](Connection& c) -> core::Status {
          admin_repo::InsertTenant(c, TenantRecord{"t1", "T1", std::nullopt, 1});
          first_ran.set_value();
          return core::Ok{};
        },
        [&](const core::Status& s) {
          // Holds the syncer; at most 10 s, so a regression fails instead of hanging.
          bool overlapped = second_ran_seen.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
          first_answered.set_value(s.ok() && overlapped);
        });
    auto first = first_answered.get_future();
    // Queued once the first batch has left the queue, so it cannot share its transaction.
    first_ran.get_future().wait();
    (*db)->Write(
        [&](Connection& c) -> core::Status {
          admin_repo::InsertTenant(c, TenantRecord{"t2", "T2", std::nullopt, 1});
          second_ran.set_value();
          return core::Ok{};
        },
        [&](const core::Status& s) { second_answered.set_value(s); });
    EXPECT_TRUE(first.get()) << "the second batch did not run while the first one was being answered";
    EXPECT_TRUE(second_answered.get_future().get().ok());
    // Both are committed, durable and visible.
    (*db)->AwaitDurable();
    EXPECT_TRUE((*db)->Read([](Connection& c) { return admin_repo::GetTenant(c, "t2"); }).has_value());
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

}  // namespace
}  // namespace wagate::store::sqlite
