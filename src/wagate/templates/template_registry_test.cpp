#include "wagate/templates/template_registry.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "wagate/security/secret_box.hpp"
#include "wagate/store/sqlite/open_sqlite.hpp"

namespace wagate::templates {
namespace {

// Built in place (designated initializers): GCC 12 at -O3 misreads assignments of short literals to
// std::string members as overflowing copies (-Wrestrict/-Wstringop-overflow, a known false positive).
store::TemplateRecord Approved(const std::string& name, const std::string& language) {
  return store::TemplateRecord{.waba_id = "W",
                               .name = name,
                               .language = language,
                               .graph_id = name + "-" + language,
                               .category = "UTILITY",
                               .status = "APPROVED",
                               .parameters = {},
                               .status_reason = std::nullopt,
                               .updated_at = 1};
}

// A restart must find every stored template under its own WABA, name and language (no Graph call:
// with periodic syncs off, nothing else would ever fill the registry again).
TEST(TemplateRegistryTest, LoadFindsEveryStoredTemplateUnderItsOwnKey) {
  std::string dir = testing::TempDir() + "/wagate_template_registry_test_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    auto stores = store::sqlite::OpenSqliteStores({dir + "/wagate.db", 2, 64});
    ASSERT_TRUE(stores.ok()) << stores.error().message;
    ASSERT_TRUE(stores->templates->Upsert(Approved("order_update", "en")).ok());
    ASSERT_TRUE(stores->templates->Upsert(Approved("welcome", "de")).ok());

    security::SecretBox box(std::string(security::SecretBox::kKeyBytes, 'k'));
    tenancy::OutletRegistry outlets(box);
    core::FakeClock clock;
    graph::ManagementClient graph({"http://127.0.0.1:9", "v21.0", 1000, 1000});  // never called here
    TemplateRegistry registry(*stores->templates, graph, outlets, clock);
    registry.Load();

    EXPECT_TRUE(registry.CheckSend("W", content::TemplateUse{"order_update", "en", false, {}, {}}).ok());
    EXPECT_TRUE(registry.CheckSend("W", content::TemplateUse{"welcome", "de", false, {}, {}}).ok());
    EXPECT_FALSE(registry.CheckSend("W", content::TemplateUse{"welcome", "en", false, {}, {}}).ok());
    stores->health->Stop();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wagate::templates
