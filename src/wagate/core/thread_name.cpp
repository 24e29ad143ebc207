#include "wagate/core/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace wagate::core {

void NameThisThread(std::string_view name) {
  std::string shown(name.substr(0, 15));  // the kernel refuses longer names (ERANGE)
  pthread_setname_np(pthread_self(), shown.c_str());
}

}  // namespace wagate::core
