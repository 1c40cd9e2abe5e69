// Plain request pieces shared by the signers (no behaviour here).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace storewire::auth {

// Header (name, value) pairs in the caller's order; names compare case-insensitively.
using Headers = std::vector<std::pair<std::string, std::string>>;

// One query parameter, percent-decoded. `has_value` is false for a bare flag ("?delete"),
// which SigV2 signs as "delete" and SigV4 as "delete=".
struct QueryParam {
  std::string name;
  std::string value;
  bool has_value = true;
};
using Query = std::vector<QueryParam>;

}  // namespace storewire::auth
