// The wamids the sandbox knows: those it issued for accepted messages and those it made up for simulated
// inbound ones. Mark-as-read needs a known wamid (100 otherwise); a reaction to an unknown one, or to a
// reaction, is accepted and then fails (131009), as on Meta.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wagate::sandbox {

// Thread-safe. Keeps the newest `max_entries` wamids (about 150 bytes each); older ones are forgotten
// first, as Meta stops accepting reactions and read receipts for old messages (30 days).
class WamidRegistry final {
 public:
  explicit WamidRegistry(size_t max_entries = 1'000'000) : max_entries_(max_entries) {}

  struct Entry {
    bool inbound = false;
    std::string type;  // text, image, reaction, …
    std::string phone_number_id;
  };

  void Add(const std::string& wamid, Entry entry);
  std::optional<Entry> Find(std::string_view wamid) const;
  size_t size() const;

 private:
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<const std::string*> order_;  // keys in insertion order (element addresses survive rehashing)
};

}  // namespace wagate::sandbox
