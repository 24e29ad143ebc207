// The hand-off of a streamed request body from the socket (producer) to its handler (consumer).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "wagate/core/result.hpp"
#include "wagate/http/message.hpp"

namespace wagate::http {

// One slot: at most one piece waits for the handler, so together with the piece the socket is filling
// the server holds at most two pieces of a body, whatever its size. The producer never blocks; when
// the slot is taken it stops reading the socket until the consumer empties the slot and `wake` says so.
// Thread-safe: the producer (a socket strand) and the consumer (a handler thread) run concurrently.
class BodyPipe final : public BodyReader {
 public:
  // `wake` runs on the consumer's thread, outside the lock, when the consumer empties the slot after
  // a refused Offer. It may run late (after the producer went on anyway): the producer checks.
  explicit BodyPipe(std::function<void()> wake);

  // Producer. Hands over `*piece` (non-empty) and leaves in it a buffer to fill next (empty, perhaps
  // with capacity), or returns false with `*piece` untouched when the slot is full; `wake` then runs
  // once the consumer empties it. Pieces offered after Finish or Fail are dropped (true).
  bool Offer(std::string* piece);
  // Producer. The body is complete: the reader reports its end once the waiting piece is taken.
  void Finish();
  // The body will never be whole: the reader reports `error` at once (a waiting piece is dropped).
  // Ignored after Finish or an earlier Fail. Any thread.
  void Fail(core::Error error);
  // Bytes waiting in the slot.
  size_t WaitingBytes() const;

  // Consumer (BodyReader).
  core::Result<bool> Read(std::string* piece) override;

 private:
  const std::function<void()> wake_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string slot_;
  bool slot_full_ = false;
  bool wake_wanted_ = false;  // an Offer was refused: wake the producer when the slot empties
  bool finished_ = false;
  std::optional<core::Error> error_;
};

}  // namespace wagate::http
