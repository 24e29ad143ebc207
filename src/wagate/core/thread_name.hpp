// Names the calling thread as `top` and `ps -L` show it (Linux keeps 15 characters), so a profile or
// the benchmark's per-thread CPU line says which thread is the store's writer and which serves HTTP.
#pragma once

#include <string_view>

namespace wagate::core {

void NameThisThread(std::string_view name);

}  // namespace wagate::core
