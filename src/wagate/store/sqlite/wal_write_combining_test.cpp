// The writer's WAL write-combining VFS: fewer writes, and the same file at every commit as without it.
#include "wagate/store/sqlite/wal_write_combining.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "wagate/store/sqlite/database.hpp"

namespace wagate::store::sqlite {
namespace {

void RemoveFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

std::string FreshPath(const std::string& name) {
  std::string path = testing::TempDir() + "/wagate_wal_" + name + "_" + std::to_string(::getpid()) + ".db";
  RemoveFiles(path);
  return path;
}

std::unique_ptr<Database> OpenWithTable(const std::string& path) {
  auto db = Database::Open({path, 2, 64});
  EXPECT_TRUE(db.ok());
  if (!db.ok()) return nullptr;
  core::Status made = (*db)->WriteAndWait([](Connection& c) -> core::Status {
    c.Exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB NOT NULL)");
    c.Exec("CREATE INDEX rows_k ON rows(k)");
    return core::Ok{};
  });
  EXPECT_TRUE(made.ok());
  return std::move(*db);
}

void InsertInto(Connection& c, int first, int count, size_t value_size) {
  for (int i = first; i < first + count; ++i) {
    c.Prepare("INSERT INTO rows(id, k, v) VALUES (?, ?, ?)")
        .Bind(1, int64_t{i})
        .Bind(2, "key-" + std::to_string(i * 7919 % 10007))  // scattered over the index
        .Bind(3, std::string(value_size, 'v'))
        .Run();
  }
}

core::Status InsertRows(Database& db, int first, int count, size_t value_size = 200) {
  return db.WriteAndWait([=](Connection& c) -> core::Status {
    InsertInto(c, first, count, value_size);
    return core::Ok{};
  });
}

int64_t CountRows(Connection& c) {
  Statement s = c.Prepare("SELECT COUNT(*) FROM rows");
  return s.Step() ? s.Int(0) : -1;
}

// What a kill -9 would leave on disk: the database file and the WAL as the kernel has them (the -shm
// index is rebuilt from the WAL on open). Copied database first: only the checkpointer writes it now,
// and whatever it copies from the WAL is still in the WAL copied afterwards.
std::string CrashImageOf(const std::string& path, const std::string& name) {
  std::string image = FreshPath(name);
  std::filesystem::copy_file(path, image);
  std::filesystem::copy_file(path + "-wal", image + "-wal");
  return image;
}

std::string IntegrityOf(Connection& c) {
  Statement s = c.Prepare("PRAGMA integrity_check");
  return s.Step() ? s.Text(0) : "no answer";
}

TEST(WalWriteCombiningTest, EachCommitIsFewWritesAndVisibleToReadersAtOnce) {
  std::string path = FreshPath("few");
  {
    auto db = OpenWithTable(path);
    ASSERT_TRUE(db);
    WalWriteCounts before = WalWriteCountsSoFar();
    constexpr int kCommits = 50;
    for (int i = 0; i < kCommits; ++i) {
      ASSERT_TRUE(InsertRows(*db, i * 40, 40).ok());
      // A reader (another connection, the default VFS) sees the commit as soon as it is answered.
      EXPECT_EQ(db->Read([](Connection& c) { return CountRows(c); }), (i + 1) * 40);
    }
    WalWriteCounts after = WalWriteCountsSoFar();
    uint64_t requested = after.requested - before.requested;
    uint64_t written = after.written - before.written;
    // Each commit dirties several pages (two writes each) and needs one write, plus the odd one when
    // the WAL restarts after a checkpoint.
    EXPECT_GE(requested, uint64_t{kCommits} * 6);
    EXPECT_LE(written, uint64_t{kCommits} * 2);
  }
  RemoveFiles(path);
}

TEST(WalWriteCombiningTest, ACrashImageTakenAfterAnyCommitHoldsItWhole) {
  std::string path = FreshPath("image");
  {
    auto db = OpenWithTable(path);
    ASSERT_TRUE(db);
    for (int round = 1; round <= 5; ++round) {
      ASSERT_TRUE(InsertRows(*db, round * 1000, 300).ok());
      db->AwaitDurable();
      std::string image = CrashImageOf(path, "image_copy");
      {
        Connection c(image, false);
        EXPECT_EQ(IntegrityOf(c), "ok");
        EXPECT_EQ(CountRows(c), round * 300) << "round " << round;
      }
      RemoveFiles(image);
    }
  }
  RemoveFiles(path);
}

// A transaction larger than the page cache spills frames into the WAL before it ends; rolled back,
// those frames are past the last commit. The next commit overwrites them, and the file stays whole.
TEST(WalWriteCombiningTest, ARolledBackSpilledTransactionLeavesTheNextCommitWhole) {
  std::string path = FreshPath("spill");
  {
    auto db = OpenWithTable(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(InsertRows(*db, 0, 10).ok());
    core::Status failed = db->WriteAndWait([](Connection& c) -> core::Status {
      c.Exec("PRAGMA cache_size=20");  // pages: the inserts below spill long before the end
      InsertInto(c, 100, 2000, 1000);
      return core::Error::Invalid("x", "refused after spilling");
    });
    EXPECT_FALSE(failed.ok());
    ASSERT_TRUE(db->WriteAndWait([](Connection& c) -> core::Status {
                    c.Exec("PRAGMA cache_size=-16384");
                    return core::Ok{};
                  }).ok());
    ASSERT_TRUE(InsertRows(*db, 10, 5).ok());
    db->AwaitDurable();
    std::string image = CrashImageOf(path, "spill_copy");
    {
      Connection c(image, false);
      EXPECT_EQ(IntegrityOf(c), "ok");
      EXPECT_EQ(CountRows(c), 15);
    }
    RemoveFiles(image);
    EXPECT_EQ(db->Read([](Connection& c) { return CountRows(c); }), 15);
  }
  RemoveFiles(path);
}

// The combined write happens inside the commit, so a disk that refuses it fails that commit (the job
// is answered storage_unavailable and nothing of it is stored) instead of failing later, unreported.
// The file-size limit stands in for a full disk: past it write() fails with EFBIG.
TEST(WalWriteCombiningTest, AWriteTheDiskRefusesFailsTheCommitAndTheStoreWritesAgainAfter) {
  std::string path = FreshPath("full");
  {
    auto db = OpenWithTable(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(InsertRows(*db, 0, 10).ok());
    auto wal_size = static_cast<rlim_t>(std::filesystem::file_size(path + "-wal"));
    struct rlimit old_limit {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = old_limit;
    limit.rlim_cur = wal_size + 64 * 1024;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
    // 2.4 MB of new pages, into a WAL file of a few pages that may grow by 64 KiB at most (from its
    // beginning or its end, the commit needs more).
    core::Status refused = InsertRows(*db, 1000, 300, 8000);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
    std::signal(SIGXFSZ, old_handler);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "storage_unavailable");
    EXPECT_EQ(db->Read([](Connection& c) { return CountRows(c); }), 10);
    ASSERT_TRUE(InsertRows(*db, 2000, 5).ok());
    EXPECT_EQ(db->Read([](Connection& c) { return CountRows(c); }), 15);
    EXPECT_TRUE(db->Writable());
  }
  RemoveFiles(path);
}

}  // namespace
}  // namespace wagate::store::sqlite
