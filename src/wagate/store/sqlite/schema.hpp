// Schema migrations, applied in order at start-up; never edit a released one, append a new one.
#pragma once

#include <string>
#include <vector>

namespace wagate::store::sqlite {
const std::vector<std::string>& Migrations();
}
