#pragma once

#include <cstdint>

// Retention prunes forget old rows a bounded chunk per store write, so the store's single writer takes
// other writes between two chunks instead of stalling behind one long delete (bench/README.md, fifth
// pass: a whole-table prune was the accept load's p99). A step writes a bounded number of chunks; when
// more are due, the caller goes on at its next step.
namespace wagate::store {

inline constexpr int64_t kPruneChunkRows = 2000;  // rows of each kind forgotten per store write
inline constexpr int kPruneChunksPerStep = 8;     // writes per step at most

// Calls prune_chunk(kPruneChunkRows), which forgets at most that many rows of each kind and returns how
// many it forgot, until one forgets nothing or kPruneChunksPerStep were written. True when everything
// due is forgotten; false when the step stopped with more due.
template <typename PruneChunk>
bool PruneInChunks(PruneChunk&& prune_chunk) {
  for (int chunk = 0; chunk < kPruneChunksPerStep; ++chunk) {
    if (prune_chunk(kPruneChunkRows) == 0) return true;
  }
  return false;
}

}  // namespace wagate::store
