// A set of non-zero 64-bit keys in one flat array (open addressing, linear probing): 8 bytes a slot
// at most half full, against ~40 bytes a key for std::unordered_set's nodes. For large, insert-only
// sets such as the numbers of a million-recipient upload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wagate::core {

// Not thread-safe. Key 0 is reserved (it marks an empty slot).
class U64Set final {
 public:
  // True when `key` was added, false when it was there already.
  bool Insert(uint64_t key) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == key) return false;
      if (slots_[i] == 0) {
        slots_[i] = key;
        ++size_;
        return true;
      }
    }
  }

  bool Contains(uint64_t key) const {
    if (slots_.empty()) return false;
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == key) return true;
      if (slots_[i] == 0) return false;
    }
  }

  size_t size() const { return size_; }

 private:
  // Keys such as phone numbers share their high digits: mix them so that neighbours spread out.
  size_t Home(uint64_t key) const {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return static_cast<size_t>(key) & (slots_.size() - 1);
  }

  void Grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    size_ = 0;
    for (uint64_t key : old) {
      if (key != 0) Insert(key);
    }
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

}  // namespace wagate::core
