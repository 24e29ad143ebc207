#include "wagate/store/sqlite/database.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>

#include "wagate/core/log.hpp"
#include "wagate/core/thread_name.hpp"
#include "wagate/store/sqlite/schema.hpp"
#include "wagate/store/sqlite/wal_write_combining.hpp"

namespace wagate::store::sqlite {
namespace {

core::Error StorageUnavailable() {
  return {core::ErrorKind::kUnavailable, "storage_unavailable",
          "the store cannot write (disk full or I/O error): nothing was stored; try again later"};
}

}  // namespace

core::Result<std::unique_ptr<Database>> Database::Open(DatabaseSettings settings) {
  try {
    std::unique_ptr<Database> db(new Database(std::move(settings)));
    return db;
  } catch (const StoreError& e) {
    return core::Error::Internal(e.what());
  }
}

Database::Database(DatabaseSettings settings) : settings_(std::move(settings)) {
  // The writer's WAL writes are combined into one write per commit (wal_write_combining.hpp).
  writer_conn_ = std::make_unique<Connection>(settings_.path, false, WriteCombiningVfs());
  writer_conn_->Exec("PRAGMA journal_mode=WAL");
  // The WAL is written at commit but fsync'd by the syncer, which answers the batch afterwards (the
  // class comment). SQLite itself still syncs around every checkpoint.
  writer_conn_->Exec("PRAGMA synchronous=NORMAL");
  writer_conn_->Exec("PRAGMA foreign_keys=ON");
  // Statement journals (an UPSERT inside a transaction keeps the pages it changes until it completes)
  // stay in memory instead of a temp file: the webhook processor wrote 16 KB per event to /var/tmp.
  writer_conn_->Exec("PRAGMA temp_store=MEMORY");
  // The writer touches the hot pages of every index at every batch; with SQLite's default 2 MiB cache
  // it re-read them from the file (pread) once the tables outgrew it (bench/README.md, profile).
  writer_conn_->Exec("PRAGMA cache_size=-16384");  // KiB: 16 MiB
  // No wal_autocheckpoint pragma: it would replace the WAL hook Connection installs (see Checkpoint).
  Migrate();
  checkpoint_conn_ = std::make_unique<Connection>(settings_.path, false);
  for (int i = 0; i < std::max(1, settings_.readers); ++i) {
    readers_.push_back(std::make_unique<Connection>(settings_.path, true));
    free_readers_.push_back(readers_.back().get());
  }
  // The WAL exists from here on (the migration's read opened it) and lives as long as a connection
  // does, so one descriptor serves every sync. Syncing it now makes whatever a previous run left in
  // the page cache durable before anything here acts on it (recovery resends pending messages).
  // Opened after the connections, whose opening may throw: a failed constructor runs no destructor.
  wal_fd_ = ::open((settings_.path + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
  if (wal_fd_ < 0) throw StoreError("cannot open the WAL file " + settings_.path + "-wal: " + std::strerror(errno));
  SyncWal();
  // Before the writer, which wakes it.
  checkpointer_ =
      std::make_unique<core::Worker>("checkpoint", clock_, std::chrono::milliseconds(200), [this] { Checkpoint(); });
  checkpointer_->Start();
  syncer_ = std::thread([this] {
    core::NameThisThread("store-sync");
    RunSyncer();
  });
  writer_ = std::thread([this] {
    core::NameThisThread("store-writer");
    RunWriter();
  });
}

// PASSIVE: copies what no reader needs back into the database without blocking the writer. Once the
// WAL is kCatchUpFrames long it is the writer's turn (CatchUpCheckpoint): a checkpoint started here
// would make the writer's attempt busy, and the WAL would grow on while this one copies.
void Database::Checkpoint() {
  if (wal_frames_.load(std::memory_order_relaxed) >= kCatchUpFrames) return;
  try {
    checkpoint_conn_->CheckpointPassive();
  } catch (const StoreError& e) {
    core::LogWarn("store", "checkpoint failed", {{"error", e.what()}});
  }
}

Database::~Database() {
  Stop();
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

void Database::Migrate() {
  writer_conn_->Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  int64_t current = 0;
  {
    Statement st = writer_conn_->Prepare("SELECT MAX(version) FROM schema_version");
    if (st.Step() && !st.IsNull(0)) current = st.Int(0);
  }
  const auto& migrations = Migrations();
  for (size_t i = static_cast<size_t>(current); i < migrations.size(); ++i) {
    writer_conn_->Exec("BEGIN IMMEDIATE");
    writer_conn_->Exec(migrations[i]);
    writer_conn_->Prepare("INSERT INTO schema_version(version) VALUES (?)").Bind(1, static_cast<int64_t>(i + 1)).Run();
    writer_conn_->Exec("COMMIT");
    core::LogInfo("store", "applied migration", {{"version", i + 1}});
  }
}

void Database::Write(WriteJob job, WriteDone done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (done) done(core::Error{core::ErrorKind::kUnavailable, "not_ready", "the store is shutting down"});
      return;
    }
    queue_.push_back(Pending{std::move(job), std::move(done)});
  }
  cv_.notify_one();
}

core::Status Database::WriteAndWait(WriteJob job) {
  std::promise<core::Status> promise;
  auto future = promise.get_future();
  Write(std::move(job), [&promise](const core::Status& s) { promise.set_value(s); });
  return future.get();
}

size_t Database::PendingWrites() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Database::RunWriter() {
  std::vector<Pending> batch;
  std::vector<core::Status> results;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (writable_.load()) {
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      } else if (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || !queue_.empty(); })) {
        lock.unlock();
        ProbeDisk();
        continue;
      }
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < settings_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    uint64_t seq = ++started_seq_;  // before BEGIN: AwaitDurable then covers whatever a read could see
    results.assign(batch.size(), core::Ok{});
    Connection& conn = *writer_conn_;
    bool committed = false;
    bool disk_failed = false;
    try {
      conn.Prepare("BEGIN IMMEDIATE").Run();
      // A job alone in its batch needs no savepoint: its own transaction is rolled back if it fails.
      // That matters for big jobs (the webhook processor's): under a savepoint SQLite copies every page
      // the job changes into a sub-journal first, which for a batch of webhooks is most of the writing.
      bool solo = batch.size() == 1;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!solo) conn.Prepare("SAVEPOINT job").Run();
        try {
          results[i] = batch[i].job(conn);
        } catch (const StoreError& e) {
          disk_failed = disk_failed || e.storage_failure();
          results[i] = e.storage_failure() ? StorageUnavailable() : core::Error::Internal(e.what());
        }
        if (solo) break;
        if (!results[i].ok()) conn.Prepare("ROLLBACK TO job").Run();
        conn.Prepare("RELEASE job").Run();
      }
      if (solo && !results[0].ok()) {
        conn.Exec("ROLLBACK");
      } else {
        conn.Prepare("COMMIT").Run();
      }
      committed = true;  // the answers are final: a failed solo job gets its own error
    } catch (const StoreError& e) {
      disk_failed = disk_failed || e.storage_failure();
      core::LogError("store", "batch commit failed", {{"error", e.what()}, {"jobs", batch.size()}});
      try {
        conn.Exec("ROLLBACK");
      } catch (const StoreError&) {
      }
    }
    if (disk_failed && writable_.exchange(false)) {
      core::LogError("store", "the store cannot write (disk full or I/O error); refusing writes with 503 until it can");
    } else if (committed && !disk_failed && !writable_.exchange(true)) {
      core::LogInfo("store", "the store writes again");
    }
    DoneBatch done{seq, committed, {}};
    done.answers.reserve(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].done) continue;
      core::Status status = committed ? std::move(results[i])
                                      : core::Status(disk_failed ? StorageUnavailable()
                                                                 : core::Error::Internal("the store could not commit"));
      done.answers.push_back(Answer{std::move(batch[i].done), std::move(status)});
    }
    {
      std::lock_guard lock(sync_mu_);
      to_sync_.push_back(std::move(done));
    }
    sync_cv_.notify_one();
    batch.clear();
    if (committed) CatchUpCheckpoint();
  }
}

// Answers batches once the WAL holding them is on disk. One fdatasync covers every batch committed
// before it began, so while the disk flushes, the writer's next batches pile up and share the next one.
void Database::RunSyncer() {
  std::vector<DoneBatch> batches;
  for (;;) {
    {
      std::unique_lock lock(sync_mu_);
      sync_cv_.wait(lock, [this] { return syncer_stopping_ || !to_sync_.empty(); });
      if (to_sync_.empty()) return;  // stopping, and every batch is answered
      batches.swap(to_sync_);
    }
    bool wrote = false;
    for (const DoneBatch& b : batches) wrote = wrote || b.wrote;
    if (wrote) SyncWal();
    {
      std::lock_guard lock(sync_mu_);
      durable_seq_ = batches.back().seq;
    }
    durable_cv_.notify_all();
    for (DoneBatch& b : batches) {
      for (Answer& a : b.answers) a.done(a.status);
    }
    batches.clear();
  }
}

// A failed fsync leaves committed transactions visible but of unknown durability, and the kernel may
// already have dropped the pages it could not write: answering them either way could be a lie, and
// retrying the fsync is known not to help (PostgreSQL's "fsyncgate"). So the process ends, as in a
// crash; the next start recovers from what the disk really holds, and callers that heard nothing
// retry (with their Idempotency-Key). A full disk does not come here: it fails the commit's write,
// which the writer answers 503 storage_unavailable.
void Database::SyncWal() {
  while (::fdatasync(wal_fd_) != 0) {
    if (errno == EINTR) continue;
    core::LogError("store", "fdatasync of the WAL failed: stopping, as a crash would",
                   {{"error", std::strerror(errno)}, {"path", settings_.path + "-wal"}});
    std::abort();
  }
}

void Database::AwaitDurable() {
  uint64_t target = started_seq_.load();
  std::unique_lock lock(sync_mu_);
  durable_cv_.wait(lock, [&] { return durable_seq_ >= target; });
}

// The background checkpointer copies frames while the writer appends more, so on its own it seldom
// catches up under a steady load: the WAL would then never restart and grow without bound, and every
// commit would extend the file, so its fsync would write the inode as well as the frames. So the
// checkpointer is woken once the WAL is kBackgroundFrames long and copies (and syncs the database
// file) off the writer's thread while the WAL grows; once it is kCatchUpFrames long, the writer
// finishes the copying between two batches: nothing is appended meanwhile, and what is left is only
// what came after the checkpointer's last round, so the pause is short (a checkpoint still in progress
// makes the attempt busy; the checkpointer starts no new one then, and the writer tries again after
// its next batch). The next transaction then writes the WAL from its beginning again. The writer waits
// for a moment with no job queued (with the syncer answering the last batch meanwhile, that moment
// comes often even under load, and then nobody waits for the pause), unless the WAL has grown to
// kForceCatchUpFrames.
void Database::CatchUpCheckpoint() {
  int frames = writer_conn_->WalFrames();
  wal_frames_.store(frames, std::memory_order_relaxed);
  if (frames < kCatchUpFrames) {
    if (frames >= kBackgroundFrames) checkpointer_->Wake();  // cheap: no syscall while it is busy copying
    return;
  }
  if (frames < kForceCatchUpFrames && PendingWrites() > 0) return;
  try {
    writer_conn_->CheckpointPassive();
  } catch (const StoreError& e) {
    core::LogWarn("store", "checkpoint failed", {{"error", e.what()}});
  }
}

void Database::ProbeDisk() {
  // A real write (the WAL grows by a page): only a disk with room again lets it through.
  Connection& conn = *writer_conn_;
  try {
    conn.Prepare("BEGIN IMMEDIATE").Run();
    conn.Prepare("INSERT OR REPLACE INTO store_probe(id, at) VALUES (1, strftime('%s','now'))").Run();
    conn.Prepare("COMMIT").Run();
    if (!writable_.exchange(true)) core::LogInfo("store", "the store writes again");
  } catch (const StoreError&) {
    try {
      conn.Exec("ROLLBACK");
    } catch (const StoreError&) {
    }
  }
}

void Database::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();  // the writer finishes every queued job first
  {
    std::lock_guard lock(sync_mu_);
    syncer_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();  // ... and the syncer answers every batch
  if (checkpointer_) checkpointer_->Stop();
  try {
    checkpoint_conn_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");  // leave a small WAL behind
  } catch (const StoreError&) {
  }
}

Database::Lease::Lease(Database* d) : db(d) {
  std::unique_lock lock(db->readers_mu_);
  db->readers_cv_.wait(lock, [this] { return !db->free_readers_.empty(); });
  conn = db->free_readers_.back();
  db->free_readers_.pop_back();
}

Database::Lease::~Lease() {
  {
    std::lock_guard lock(db->readers_mu_);
    db->free_readers_.push_back(conn);
  }
  db->readers_cv_.notify_one();
}

}  // namespace wagate::store::sqlite
