// A SQLite VFS for the store's writer that writes a commit's WAL frames with one write() per 64 KiB
// instead of two per page.
//
// SQLite appends each page of a transaction to the WAL as two writes (a 24-byte frame header, then the
// page), so a batch of accepted messages, which dirties a few hundred pages, cost a few hundred
// syscalls; on the paravirtualised VMs users run on, syscalls were the single largest cost of the
// accept path (bench/README.md, profile). This VFS wraps the default one and, for WAL files only,
// collects consecutive writes in a buffer that it writes out (in 64 KiB pieces):
//   - right after the commit frame's page (the frame whose header carries the database size), so a
//     failing write (a full disk) fails the commit itself, as without the buffer;
//   - before anything reads, syncs, truncates or sizes the WAL, before a write that does not continue
//     the buffer, and when it holds kMaxBuffered bytes;
//   - and, as a backstop, when SQLite publishes a commit in the WAL index (xShmBarrier on the database
//     file, which SQLite calls between writing the index header's two copies): no reader can see a
//     frame that is not yet in the file. A failure there cannot be reported to SQLite, so it ends the
//     process as a failed fsync does (nothing of that batch has been answered yet).
// Crash safety is SQLite's own: the same bytes reach the file in the same order before the commit is
// visible, and a write cut short by a crash leaves a WAL whose recovery stops at the last whole commit.
//
// Only the writer's connection uses it; readers and the checkpointer open the default VFS and share
// the files (and their locks) through it.
#pragma once

#include <cstdint>

namespace wagate::store::sqlite {

// The VFS's name for sqlite3_open_v2, registered (not as the default) on the first call.
const char* WriteCombiningVfs();

// What the VFS saved, for tests and diagnostics: WAL writes SQLite asked for, and writes made.
struct WalWriteCounts {
  uint64_t requested = 0;
  uint64_t written = 0;
};
WalWriteCounts WalWriteCountsSoFar();

}  // namespace wagate::store::sqlite
