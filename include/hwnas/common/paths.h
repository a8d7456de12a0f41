#pragma once
#include <string>
#include <vector>

namespace hwnas {

/// Folders searched for shipped data (`sub` = "search_spaces", "configs", ...),
/// in order: $HWNAS_DATA_DIR/sub, ./sub, <binary>/../share/hwnas/sub, and the
/// source tree hwnas was built from. Only existing folders are returned.
std::vector<std::string> data_dirs(const std::string& sub);

}  // namespace hwnas
