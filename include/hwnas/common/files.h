#pragma once
// File access for every user-given input and every output hwnas writes.
#include <cstddef>
#include <string>
#include <string_view>

namespace hwnas {

/// Reads a whole text input. Throws InputError naming `path` when it is
/// missing, a directory, unreadable, empty, larger than max_bytes, or not
/// valid UTF-8 (with the line:col of the first bad byte).
std::string read_text_file(const std::string& path, std::size_t max_bytes = 64u << 20);

/// Writes `content` to `path` atomically: a temp file in the same folder,
/// fsync, rename, fsync of the folder. Readers see the old file or the new
/// one, never a partial one; on failure the old file is untouched.
void write_file_atomic(const std::string& path, std::string_view content);

/// Throws InputError unless `path` is an existing regular file.
void require_regular_file(const std::string& path);

}  // namespace hwnas
