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
// Called on the writer thread after the batch committed (or failed); must be quick and not block.
using WriteDone = std::function<void(const core::Status&)>;

// Group commit: jobs queued by many threads are run by one thread in one transaction, and their
// callers are answered after that transaction is durable (synchronous=FULL in WAL mode: fsync'd).
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

  size_t PendingWrites() const;
  // False from a write that failed for lack of disk (full, I/O error) until one succeeds again; while
  // false the writer probes the disk every second, so it turns true without any caller writing.
  bool Writable() const { return writable_.load(); }
  void Stop();  // drains queued jobs, then joins the writer

 private:
  explicit Database(DatabaseSettings settings);
  void RunWriter();
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
  // WAL checkpoints run on their own worker (every 200 ms), not on the writer, so commits seldom wait
  // for them; the writer only finishes one once the WAL is kCatchUpFrames long (CatchUpCheckpoint).
  // That pause is what bounds the WAL; it costs the accept path's p99 (bench/README.md, profile).
  // Stopping lets a checkpoint in progress finish; Stop() then truncates the WAL once more.
  static constexpr int kCatchUpFrames = 4096;  // 16 MiB of 4 KiB pages
  void Checkpoint();
  void CatchUpCheckpoint();
  core::SystemClock clock_;  // the checkpoints' pace only: nothing stored depends on it
  std::unique_ptr<Connection> checkpoint_conn_;
  std::unique_ptr<core::Worker> checkpointer_;
};

}  // namespace wagate::store::sqlite
