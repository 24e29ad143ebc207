// API keys by hash, in memory, so authenticating a request never touches the store.
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace wagate::tenancy {

// The caller behind a request.
struct Principal {
  bool is_admin = false;
  std::string tenant_id;  // empty for the admin
  // True when this caller may see data of `tenant_id`.
  bool CanSee(const std::string& other_tenant_id) const { return is_admin || tenant_id == other_tenant_id; }
};

// Thread-safe. Kept in step with the store by the admin operations.
class KeyRegistry final {
 public:
  explicit KeyRegistry(std::string admin_key) : admin_key_(std::move(admin_key)) {}

  void Put(const std::string& key_hash, const std::string& key_id, const std::string& tenant_id);
  void RemoveKey(const std::string& key_id);
  void RemoveTenant(const std::string& tenant_id);
  // From an "Authorization: Bearer …" header value; nullopt for a missing or unknown key.
  std::optional<Principal> Authenticate(std::string_view authorization_header) const;

 private:
  struct Entry {
    std::string key_id;
    std::string tenant_id;
  };
  std::string admin_key_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> by_hash_;
};

}  // namespace wagate::tenancy
