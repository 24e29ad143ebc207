#include "wagate/config/loader.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace wagate::config {

TEST(ConfigLoader, DefaultsThenEnvThenFlags) {
  auto s = LoadSettings({"--listen", "0.0.0.0:9000"}, {{"WAGATE_LISTEN", "127.0.0.1:1"}, {"WAGATE_ENGINE_WORKERS", "7"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->listen_host, "0.0.0.0");
  EXPECT_EQ(s->listen_port, 9000);
  EXPECT_EQ(s->engine_workers, 7);
  EXPECT_EQ(s->graph_url, "https://graph.facebook.com");
}

TEST(ConfigLoader, SetFlagAndInlineValues) {
  auto s = LoadSettings({"--set", "engine.in_doubt_policy=resend", "--graph-url=http://127.0.0.1:5/"}, {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->engine_in_doubt_policy, "resend");
  EXPECT_EQ(s->graph_url, "http://127.0.0.1:5");
}

TEST(ConfigLoader, ErrorsNameTheKey) {
  auto bad_value = LoadSettings({"--set", "engine.retry_max_attempts=-1"}, {});
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.error().message.find("engine.retry_max_attempts"), std::string::npos);
  auto unknown = LoadSettings({}, {{"WAGATE_CONFIG", ""}});
  EXPECT_TRUE(unknown.ok());
  auto bad_env = LoadSettings({}, {{"WAGATE_LISTEN", "nonsense"}});
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.error().message.find("listen"), std::string::npos);
  EXPECT_FALSE(LoadSettings({"--bogus"}, {}).ok());
}

TEST(ConfigLoader, TomlFileWithSectionsAndUnknownKey) {
  std::string path = testing::TempDir() + "/wagate_cfg_test.toml";
  {
    std::ofstream f(path);
    f << "listen = \"127.0.0.1:0\"\n[engine]\nworkers = 3\nretry_jitter = 0.5\n";
  }
  auto s = LoadSettings({"--config", path}, {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->engine_workers, 3);
  EXPECT_DOUBLE_EQ(s->engine_retry_jitter, 0.5);
  {
    std::ofstream f(path);
    f << "[engine]\nwrokers = 3\n";
  }
  auto bad = LoadSettings({"--config", path}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("engine.wrokers"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace wagate::config
