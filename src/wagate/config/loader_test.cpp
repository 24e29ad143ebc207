#include "wagate/config/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace wagate::config {

TEST(ConfigLoader, DefaultsThenEnvThenFlags) {
  auto s =
      LoadSettings({"--listen", "0.0.0.0:9000"}, {{"WAGATE_LISTEN", "127.0.0.1:1"}, {"WAGATE_ENGINE_WORKERS", "7"}});
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

TEST(ConfigLoader, BrokerMappingsAreAnArrayOfTables) {
  std::string path = testing::TempDir() + "/wagate_broker_cfg_test.toml";
  {
    std::ofstream f(path);
    f << "[broker]\nurl = \"amqp://u:p@127.0.0.1:5672/%2f\"\nprefetch = 50\n"
         "[[broker.mappings]]\nevent = \"po.approved\"\noutlet_id = \"out_1\"\ntemplate = \"po_notification\"\n"
         "language = \"es\"\nto = \"supplier.phone\"\nparameters = [\"supplier.name\", \"po_number\"]\n"
         "idempotency_key = \"po_number\"\n";
  }
  auto s = LoadSettings({"--config", path}, {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->broker_prefetch, 50);
  ASSERT_EQ(s->broker_mappings.size(), 1u);
  EXPECT_EQ(s->broker_mappings[0].template_name, "po_notification");
  EXPECT_EQ(s->broker_mappings[0].parameters, (std::vector<std::string>{"supplier.name", "po_number"}));
  EXPECT_EQ(s->broker_mappings[0].idempotency_key, "po_number");
  {
    std::ofstream f(path);
    f << "[[broker.mappings]]\nevent = \"po.approved\"\noutlet_id = \"out_1\"\ntemplate = \"t\"\nlanguage = \"es\"\n";
  }
  auto missing = LoadSettings({"--config", path}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("needs 'to'"), std::string::npos) << missing.error().message;
  {
    std::ofstream f(path);
    f << "[broker]\nurl = \"http://u:secret@host\"\n";
  }
  auto bad_url = LoadSettings({"--config", path}, {});
  ASSERT_FALSE(bad_url.ok());
  EXPECT_EQ(bad_url.error().message.find("secret"), std::string::npos) << "the URL's password is not echoed";
  std::remove(path.c_str());
}

TEST(ConfigLoader, ExampleFileNamesEveryKeyAndUncommentedGivesTheDefaults) {
  std::string example = ExampleToml();
  std::string uncommented;
  std::istringstream lines(example);
  int keys = 0;
  for (std::string line; std::getline(lines, line);) {
    // "# name = value" lines are settings; "# text" lines are help and stay comments
    if (line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos && line.find(' ', 2) == line.find(" = ")) {
      uncommented += line.substr(2) + "\n";
      ++keys;
    } else {
      uncommented += line + "\n";
    }
  }
  std::string described = DescribeKeys();  // one line per key
  EXPECT_EQ(keys, static_cast<int>(std::count(described.begin(), described.end(), '\n')));
  std::string path = testing::TempDir() + "/wagate_example_test.toml";
  {
    std::ofstream out(path);
    out << uncommented;
  }
  auto loaded = LoadSettings({"--config", path}, {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message << "\n" << uncommented;
  Settings defaults;
  EXPECT_EQ(loaded->listen_host, defaults.listen_host);
  EXPECT_EQ(loaded->listen_port, defaults.listen_port);
  EXPECT_EQ(loaded->graph_url, defaults.graph_url);
  EXPECT_EQ(loaded->engine_retry_jitter, defaults.engine_retry_jitter);
  EXPECT_EQ(loaded->engine_pacing_margin_max_ms, defaults.engine_pacing_margin_max_ms);
  EXPECT_EQ(loaded->http_idle_timeout_s, defaults.http_idle_timeout_s);
  std::remove(path.c_str());
}

}  // namespace wagate::config
