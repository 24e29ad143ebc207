#include "wagate/sandbox/media/media_store.hpp"

#include "wagate/core/ids.hpp"
#include "wagate/sandbox/graph/graph_ids.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::sandbox {

MediaStore::MediaStore() : url_key_(core::RandomBytes(32)) {}

MediaRecord MediaStore::Put(std::string phone_number_id, std::string mime_type,
                            std::shared_ptr<const std::string> buffer, std::string_view data, int64_t now_ms,
                            int64_t lifetime_ms) {
  MediaRecord record;
  record.phone_number_id = std::move(phone_number_id);
  record.mime_type = std::move(mime_type);
  record.sha256 = security::Sha256Hex(data);  // outside the lock: 100 MB take a while
  record.size = data.size();
  record.buffer = std::move(buffer);
  record.data = data;
  record.created_ms = now_ms;
  record.expires_ms = now_ms + lifetime_ms;
  std::lock_guard lock(mu_);
  SweepExpired(now_ms);
  do {
    record.id = NewGraphObjectId('2');  // media ids start with 2
  } while (media_.count(record.id));
  media_[record.id] = record;
  bytes_ += record.size;
  return record;
}

std::optional<MediaRecord> MediaStore::Get(std::string_view id, int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = media_.find(id);
  if (it == media_.end() || it->second.expires_ms <= now_ms) return std::nullopt;
  return it->second;
}

bool MediaStore::Delete(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = media_.find(id);
  if (it == media_.end()) return false;
  bytes_ -= it->second.size;
  media_.erase(it);
  return true;
}

std::string MediaStore::Signature(std::string_view id, int64_t exp_ms) const {
  return security::HmacSha256Hex(url_key_, std::string(id) + "." + std::to_string(exp_ms));
}

bool MediaStore::SignatureValid(std::string_view id, int64_t exp_ms, std::string_view signature) const {
  return security::ConstantTimeEquals(Signature(id, exp_ms), signature);
}

size_t MediaStore::count() const {
  std::lock_guard lock(mu_);
  return media_.size();
}

uint64_t MediaStore::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

void MediaStore::SweepExpired(int64_t now_ms) {
  for (auto it = media_.begin(); it != media_.end();) {
    if (it->second.expires_ms <= now_ms) {
      bytes_ -= it->second.size;
      it = media_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace wagate::sandbox
