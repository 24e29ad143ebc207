// The SQLite store: one writer thread doing group commit, and a pool of read connections (WAL).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/core/worker.hpp"
#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite {

struct DatabaseSettings {
  std::string path;
  int readers = 4;
  size_t max_batch = 512;  // jobs per transaction
};

// A unit of work run inside the writer's transaction. Throwing StoreError (or returning an Error)
// rolls back only this job (a savepoint) and fails it; the rest of the batch commits. A job (or a
// commit) that fails because the disk is full or failing is answered 503 `storage_unavailable`:
// nothing of it was stored, and the caller may try again once space returns.
using WriteJob = std::function<core::Status(Connection&)>;
// Called on the store's syncer thread once the batch is durable (or failed); must be quick and not
// block, and must not wait for another write.
using WriteDone = std::function<void(const core::Status&)>;

// Group commit: jobs queued by many threads are run by one thread in one transaction, and their
// callers are answered after that transaction is durable.
//
// Durability is pipelined. The writer commits with synchronous=NORMAL (the WAL is written, not
// fsync'd) and hands the batch's answers to the syncer, which fdatasyncs the WAL and only then
// answers them; meanwhile the writer already runs the next batch. So no caller hears of a write
// before it is on disk, as with synchronous=FULL (which also pads the commit frame to a sector on a
// device without power-safe overwrite; SQLite's unix default assumes one), but the disk's flush no
// longer stalls the only writer (the accept path's profile in bench/README.md). Until the sync, a
// committed batch is visible to readers and later jobs; anything acting outward on what it reads must
// first call AwaitDurable (a write job's own answer already comes after the sync). API reads may show
// such a batch a moment early (a status before its sync): a power cut in that moment takes it back.
class Database final {
 public:
  static core::Result<std::unique_ptr<Database>> Open(DatabaseSettings settings);
  ~Database();

  void Write(WriteJob job, WriteDone done);
  // Blocking convenience for start-up and admin paths.
  core::Status WriteAndWait(WriteJob job);

  // Runs `fn` with a read connection (a consistent snapshot of committed data). Blocks while all
  // readers are busy.
  template <typename Fn>
  auto Read(Fn&& fn) {
    Lease lease(this);
    return fn(*lease.conn);
  }

  // Returns once everything committed so far (so everything a read just saw) is on disk. Costs the
  // batch in progress and up to two fdatasyncs (one may be under way); readers whose result leaves
  // the process (outgoing events) call it so that a power cut cannot take back what they already told
  // someone. Never from a write job or a WriteDone: those run on the threads it waits for.
  void AwaitDurable();

  size_t PendingWrites() const;
  // False from a write that failed for lack of disk (full, I/O error) until one succeeds again; while
  // false the writer probes the disk every second, so it turns true without any caller writing.
  bool Writable() const { return writable_.load(); }
  void Stop();  // drains queued jobs, joins the writer, then the syncer once it answered them all

 private:
  explicit Database(DatabaseSettings settings);
  void RunWriter();
  void RunSyncer();
  void SyncWal();    // fdatasync of the WAL file; a failure ends the process (see the definition)
  void ProbeDisk();  // on the writer thread, while not Writable()
  void Migrate();

  struct Lease {
    explicit Lease(Database* db);
    ~Lease();
    Database* db;
    Connection* conn;
  };

  DatabaseSettings settings_;
  std::unique_ptr<Connection> writer_conn_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> free_readers_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;

  struct Pending {
    WriteJob job;
    WriteDone done;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::atomic<bool> writable_{true};
  std::thread writer_;

  // The writer's hand-off to the syncer: committed (or failed) batches, oldest first, with their answers.
  struct Answer {
    WriteDone done;
    core::Status status;
  };
  struct DoneBatch {
    uint64_t seq = 0;
    bool wrote = false;  // committed something the WAL must keep
    std::vector<Answer> answers;
  };
  std::atomic<uint64_t> started_seq_{0};  // the writer's latest batch, counted before it begins
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;     // the syncer waits for batches
  std::condition_variable durable_cv_;  // AwaitDurable waits for durable_seq_
  std::vector<DoneBatch> to_sync_;
  uint64_t durable_seq_ = 0;  // every batch up to this one is on disk (its answers run next)
  bool syncer_stopping_ = false;
  int wal_fd_ = -1;  // our own descriptor of the WAL file, for fdatasync
  std::thread syncer_;
  // WAL checkpoints run on their own worker, not on the writer, so commits seldom wait for them: every
  // 200 ms, and at once when the writer sees the WAL pass kBackgroundFrames, so the copying and the
  // database file's fsync happen off the writer's thread while the WAL grows. The writer only finishes
  // one (copying what was appended since) once the WAL is kCatchUpFrames long and no job is waiting,
  // or at once when it is kForceCatchUpFrames long (CatchUpCheckpoint). That pause is what bounds the
  // WAL; it costs the accept path's p99 (bench/README.md, profile), so the less is left for it the better.
  // Stopping lets a checkpoint in progress finish; Stop() then truncates the WAL once more.
  static constexpr int kBackgroundFrames = 1024;     // 4 MiB of 4 KiB pages
  static constexpr int kCatchUpFrames = 4096;        // 16 MiB
  static constexpr int kForceCatchUpFrames = 16384;  // 64 MiB
  void Checkpoint();
  void CatchUpCheckpoint();
  std::atomic<int> wal_frames_{0};  // the WAL's length after the writer's last commit
  core::SystemClock clock_;         // the checkpoints' pace only: nothing stored depends on it
  std::unique_ptr<Connection> checkpoint_conn_;
  std::unique_ptr<core::Worker> checkpointer_;
};

}  // namespace wagate::store::sqlite
