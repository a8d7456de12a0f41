#pragma once
#include <string>
#include <vector>

namespace hwnas {

/// Folders searched for shipped data (`sub` = "search_spaces", "configs", ...),
/// in order: $HWNAS_DATA_DIR/sub, ./sub, <binary>/../share/hwnas/sub, and the
/// source tree hwnas was built from. Only existing folders are returned.
std::vector<std::string> data_dirs(const std::string& sub);

/// A file named in a user document: as given (absolute, or relative to the
/// working folder), else relative to the document's folder, else inside the
/// data folders (so "latency_models/x.json" works from anywhere). Returns the
/// path as given when none exists, so the reader reports it missing.
std::string resolve_input_path(const std::string& path, const std::string& document_file);

}  // namespace hwnas
