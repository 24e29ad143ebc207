// Media held by the sandbox (uploads and simulated inbound media), in memory, and the signed URLs that
// download them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace wagate::sandbox {

struct MediaRecord {
  std::string id;               // numeric string
  std::string phone_number_id;  // the number that uploaded (or received) it
  std::string mime_type;
  std::string sha256;  // lowercase hex of the bytes
  uint64_t size = 0;
  // `data` views `buffer`, which may be the whole upload body: keeping the body saves copying the file.
  std::shared_ptr<const std::string> buffer;
  std::string_view data;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // Meta: 30 days for uploads, 7 days for inbound media
};

// Thread-safe. Records are copied out; the bytes are shared, never copied.
class MediaStore final {
 public:
  MediaStore();

  // Stores `data` (a view into `buffer`) and returns the record with its new id and checksum.
  MediaRecord Put(std::string phone_number_id, std::string mime_type, std::shared_ptr<const std::string> buffer,
                  std::string_view data, int64_t now_ms, int64_t lifetime_ms);
  // nullopt when unknown, deleted or expired at `now_ms`.
  std::optional<MediaRecord> Get(std::string_view id, int64_t now_ms) const;
  bool Delete(std::string_view id);

  // Download URLs carry `sig` = HMAC(key, id + "." + exp) with a key made at start-up, so a URL cannot be
  // forged or stretched; `exp` is Unix ms.
  std::string Signature(std::string_view id, int64_t exp_ms) const;
  bool SignatureValid(std::string_view id, int64_t exp_ms, std::string_view signature) const;

  size_t count() const;
  uint64_t bytes() const;

 private:
  void SweepExpired(int64_t now_ms);  // requires mu_

  const std::string url_key_;
  mutable std::mutex mu_;
  std::map<std::string, MediaRecord, std::less<>> media_;
  uint64_t bytes_ = 0;
};

}  // namespace wagate::sandbox
