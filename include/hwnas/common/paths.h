#pragma once
#include <string>
#include <vector>

namespace hwnas {

/// Folders searched for shipped data (`sub` = "search_spaces", "configs", ...),
/// in order: $HWNAS_DATA_DIR/sub, ./sub, <binary>/../share/hwnas/sub, and the
/// source tree hwnas was built from. Only existing folders are returned.
std::vector<std::string> data_dirs(const std::string& sub);

/// A file named in a user document, made absolute: as given (absolute, or
/// relative to the working folder), else relative to the document's folder.
/// Never the data folders: a relative path means one file wherever hwnas was
/// built. Throws InputError naming the document, the path as written and
/// both places tried when neither exists.
std::string resolve_input_path(const std::string& path, const std::string& document_file);

class Value;
/// The same for a string value of a document; an error names the value's
/// place (file:line:col: key) and the places tried.
std::string resolve_input_path(const Value& value);

}  // namespace hwnas
