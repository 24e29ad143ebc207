// Thin RAII wrapper over SQLite: connections, cached prepared statements, typed binds and columns.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wagate::store::sqlite {

// Thrown for SQLite failures inside store code; the writer turns it into a failed job, never a crash.
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& what, int code = 0) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // SQLite's extended result code; 0 when unknown
  // The disk or the file failed (full, I/O error, read-only, cannot open): not the request's fault,
  // and it passes when the operator frees space.
  bool storage_failure() const;

 private:
  int code_;
};

class Connection;

// A prepared statement borrowed from the connection's cache; reset and unbound on destruction.
class Statement final {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, std::optional<int64_t> value);
  Statement& Bind(int index, const std::optional<std::string>& value);
  Statement& BindNull(int index);

  bool Step();   // true while a row is available
  void Reset();  // ready to bind and step again (the same statement, reused in a loop)
  void Run();    // step to completion
  bool IsNull(int col) const;
  int64_t Int(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

// One SQLite connection. Owned by one thread at a time (the writer, or a borrowed reader).
class Connection final {
 public:
  // `vfs`: a registered SQLite VFS by name (the writer's WriteCombiningVfs()), or the default.
  Connection(const std::string& path, bool read_only, const char* vfs = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Exec(std::string_view sql);
  Statement Prepare(const std::string& sql);  // cached by SQL text
  int Changes() const { return sqlite3_changes(db_); }
  // The WAL's length in frames after this connection's last commit (0 before any).
  int WalFrames() const { return wal_frames_; }
  // A PASSIVE checkpoint; true when it copied every frame back, so the next write restarts the WAL
  // from its beginning instead of growing it. False when another checkpoint runs or a reader holds
  // frames back.
  bool CheckpointPassive();
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

 private:
  sqlite3* db_ = nullptr;
  int wal_frames_ = 0;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace wagate::store::sqlite
