#include "wagate/store/sqlite/wal_write_combining.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "wagate/core/log.hpp"

namespace wagate::store::sqlite {
namespace {

constexpr size_t kMaxBuffered = 4 << 20;  // a batch larger than this is written as it goes
// The default VFS's write takes at most 128 KiB - 1 at a time (it never needs more: one page), so the
// buffer goes out in 64 KiB writes: 16 pages, 32 of SQLite's writes, per syscall.
constexpr size_t kMaxWrite = 64 << 10;
constexpr int kFrameHeaderSize = 24;  // SQLite's WAL frame header (file format, stable)

std::atomic<uint64_t> requested_writes{0};
std::atomic<uint64_t> made_writes{0};

// The WAL's pending bytes: one contiguous run starting at `offset`.
struct WalBuffer {
  std::string bytes;
  int64_t offset = 0;
  bool flush_after_next_write = false;  // the commit frame's header was just buffered
};

// Lives in the memory SQLite allocates for a file (szOsFile), followed by the wrapped file.
struct CombiningFile {
  sqlite3_file base;        // must come first: SQLite sees this
  sqlite3_file* inner;      // the default VFS's file, right after this struct
  WalBuffer* wal;           // set for a WAL file
  CombiningFile* db;        // for a WAL: its database file (whose xShmBarrier publishes commits)
  CombiningFile* open_wal;  // for a database file: its WAL while open
};

sqlite3_vfs* Inner(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
CombiningFile* Self(sqlite3_file* f) { return reinterpret_cast<CombiningFile*>(f); }
const sqlite3_io_methods* InnerMethods(CombiningFile* f) { return f->inner->pMethods; }

int Flush(CombiningFile* f) {
  WalBuffer& b = *f->wal;
  b.flush_after_next_write = false;
  int rc = SQLITE_OK;
  for (size_t at = 0; at < b.bytes.size() && rc == SQLITE_OK; at += kMaxWrite) {
    size_t n = std::min(kMaxWrite, b.bytes.size() - at);
    rc = InnerMethods(f)->xWrite(f->inner, b.bytes.data() + at, static_cast<int>(n),
                                 b.offset + static_cast<int64_t>(at));
    made_writes.fetch_add(1, std::memory_order_relaxed);
  }
  // Failed or not, the bytes are gone from here: a failed write fails the transaction, which SQLite
  // rolls back (frames past the last commit are never read).
  b.bytes.clear();
  return rc;
}

int FlushIfWal(CombiningFile* f) { return f->wal ? Flush(f) : SQLITE_OK; }

// A frame header whose "database size after commit" field (bytes 4-7, big-endian) is not zero.
bool IsCommitFrameHeader(const void* data, int amount) {
  if (amount != kFrameHeaderSize) return false;
  const auto* p = static_cast<const unsigned char*>(data);
  return (p[4] | p[5] | p[6] | p[7]) != 0;
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  CombiningFile* f = Self(file);
  if (!f->wal) return InnerMethods(f)->xWrite(f->inner, data, amount, offset);
  requested_writes.fetch_add(1, std::memory_order_relaxed);
  WalBuffer& b = *f->wal;
  bool commit_page = b.flush_after_next_write;
  if (!b.bytes.empty() && offset != b.offset + static_cast<int64_t>(b.bytes.size())) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (b.bytes.empty()) b.offset = offset;
  b.bytes.append(static_cast<const char*>(data), static_cast<size_t>(amount));
  if (commit_page || b.bytes.size() >= kMaxBuffered) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  b.flush_after_next_write = IsCommitFrameHeader(data, amount);
  return SQLITE_OK;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  CombiningFile* f = Self(file);
  if (int rc = FlushIfWal(f); rc != SQLITE_OK) return rc;
  return InnerMethods(f)->xRead(f->inner, out, amount, offset);
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  CombiningFile* f = Self(file);
  if (int rc = FlushIfWal(f); rc != SQLITE_OK) return rc;
  return InnerMethods(f)->xTruncate(f->inner, size);
}

int Sync(sqlite3_file* file, int flags) {
  CombiningFile* f = Self(file);
  if (int rc = FlushIfWal(f); rc != SQLITE_OK) return rc;
  return InnerMethods(f)->xSync(f->inner, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  CombiningFile* f = Self(file);
  if (int rc = FlushIfWal(f); rc != SQLITE_OK) return rc;
  return InnerMethods(f)->xFileSize(f->inner, size);
}

int Close(sqlite3_file* file) {
  CombiningFile* f = Self(file);
  int flushed = FlushIfWal(f);
  if (f->wal) {
    if (f->db) f->db->open_wal = nullptr;
    delete f->wal;
    f->wal = nullptr;
  }
  if (f->open_wal) f->open_wal->db = nullptr;  // not expected: SQLite closes the WAL first
  int rc = InnerMethods(f)->xClose(f->inner);
  return flushed != SQLITE_OK ? flushed : rc;
}

int Lock(sqlite3_file* file, int level) { return InnerMethods(Self(file))->xLock(Self(file)->inner, level); }
int Unlock(sqlite3_file* file, int level) { return InnerMethods(Self(file))->xUnlock(Self(file)->inner, level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
  return InnerMethods(Self(file))->xCheckReservedLock(Self(file)->inner, out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  CombiningFile* f = Self(file);
  if (int rc = FlushIfWal(f); rc != SQLITE_OK) return rc;
  return InnerMethods(f)->xFileControl(f->inner, op, arg);
}
int SectorSize(sqlite3_file* file) { return InnerMethods(Self(file))->xSectorSize(Self(file)->inner); }
int DeviceCharacteristics(sqlite3_file* file) {
  return InnerMethods(Self(file))->xDeviceCharacteristics(Self(file)->inner);
}
int ShmMap(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  return InnerMethods(Self(file))->xShmMap(Self(file)->inner, page, size, extend, out);
}

// Called on the database file at every change of a WAL lock, among them the end of a write transaction
// (after a commit or a rollback). A commit's frames are already written (see ShmBarrier), so the buffer
// is empty here but for a rolled-back transaction's spilled frames, which no one will read: they are
// written (as SQLite would have) so that the file holds what SQLite thinks it does, and a failure is of
// no consequence.
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  CombiningFile* f = Self(file);
  if (f->open_wal) (void)Flush(f->open_wal);
  return InnerMethods(f)->xShmLock(f->inner, offset, n, flags);
}

// SQLite calls this between writing the two copies of the WAL index header, i.e. as it publishes a
// commit (and when readers read the header, through their own files). Whatever of the WAL is still
// buffered must be in the file before any reader can see the commit.
void ShmBarrier(sqlite3_file* file) {
  CombiningFile* f = Self(file);
  if (f->open_wal && !f->open_wal->wal->bytes.empty() && Flush(f->open_wal) != SQLITE_OK) {
    core::LogError("store", "writing the WAL failed as a commit was published: stopping, as a crash would");
    std::abort();
  }
  InnerMethods(f)->xShmBarrier(f->inner);
}

int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return InnerMethods(Self(file))->xShmUnmap(Self(file)->inner, delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  CombiningFile* f = Self(file);
  if (int rc = FlushIfWal(f); rc != SQLITE_OK) return rc;
  return InnerMethods(f)->xFetch(f->inner, offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return InnerMethods(Self(file))->xUnfetch(Self(file)->inner, offset, page);
}

const sqlite3_io_methods kMethods = {
    .iVersion = 3,
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Unlock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
    .xShmMap = ShmMap,
    .xShmLock = ShmLock,
    .xShmBarrier = ShmBarrier,
    .xShmUnmap = ShmUnmap,
    .xFetch = Fetch,
    .xUnfetch = Unfetch,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  CombiningFile* f = Self(file);
  f->base.pMethods = nullptr;
  f->inner = reinterpret_cast<sqlite3_file*>(f + 1);
  f->wal = nullptr;
  f->db = nullptr;
  f->open_wal = nullptr;
  std::memset(f->inner, 0, static_cast<size_t>(Inner(vfs)->szOsFile));
  int rc = Inner(vfs)->xOpen(Inner(vfs), name, f->inner, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->inner->pMethods) f->inner->pMethods->xClose(f->inner);
    return rc;
  }
  if (f->inner->pMethods->iVersion < 3) {  // the default unix VFS is version 3; anything else: no wrapping
    f->inner->pMethods->xClose(f->inner);
    return SQLITE_CANTOPEN;
  }
  if (flags & SQLITE_OPEN_WAL) {
    f->wal = new WalBuffer();
    sqlite3_file* db = sqlite3_database_file_object(name);
    if (db && db->pMethods == &kMethods) {
      f->db = Self(db);
      f->db->open_wal = f;
    }
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

// Everything else is the default VFS's, called with its own object.
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) { return Inner(vfs)->xDelete(Inner(vfs), name, sync_dir); }
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Inner(vfs)->xAccess(Inner(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return Inner(vfs)->xFullPathname(Inner(vfs), name, size, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Inner(vfs)->xDlOpen(Inner(vfs), name); }
void DlError(sqlite3_vfs* vfs, int size, char* out) { Inner(vfs)->xDlError(Inner(vfs), size, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Inner(vfs)->xDlSym(Inner(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Inner(vfs)->xDlClose(Inner(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int size, char* out) { return Inner(vfs)->xRandomness(Inner(vfs), size, out); }
int Sleep(sqlite3_vfs* vfs, int micros) { return Inner(vfs)->xSleep(Inner(vfs), micros); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Inner(vfs)->xCurrentTime(Inner(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int size, char* out) { return Inner(vfs)->xGetLastError(Inner(vfs), size, out); }
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) { return Inner(vfs)->xCurrentTimeInt64(Inner(vfs), out); }

constexpr const char* kName = "wagate-wal-combining";

}  // namespace

const char* WriteCombiningVfs() {
  static std::once_flag once;
  static sqlite3_vfs vfs{};
  std::call_once(once, [] {
    sqlite3_vfs* inner = sqlite3_vfs_find(nullptr);
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(CombiningFile)) + inner->szOsFile;
    vfs.mxPathname = inner->mxPathname;
    vfs.zName = kName;
    vfs.pAppData = inner;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&vfs, 0);
  });
  return kName;
}

WalWriteCounts WalWriteCountsSoFar() {
  return {requested_writes.load(std::memory_order_relaxed), made_writes.load(std::memory_order_relaxed)};
}

}  // namespace wagate::store::sqlite
