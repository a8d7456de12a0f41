#pragma once
// Two tiers of failure, as torch and faiss have them:
//  - InputError / ConfigError: the user gave something wrong. They name the
//    place (file, line:col where known, key path) and what was expected; the
//    CLI maps them to exit code 2.
//  - HWNAS_ASSERT: a broken invariant inside hwnas (a bug); exit code 1.
#include <stdexcept>
#include <string>

namespace hwnas {

class InputError : public std::runtime_error {
 public:
  /// place: "file:line:col: key.path" or any prefix of it; may be empty.
  InputError(std::string place, std::string message);
  const std::string& place() const { return place_; }
  const std::string& message() const { return message_; }
  /// The same error with context put before it ("while reading layer 7 of x.json").
  InputError with_context(const std::string& context) const;

 private:
  std::string place_, message_;
};

/// An error in a run config or a component's options.
class ConfigError : public InputError {
 public:
  using InputError::InputError;
};

[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace hwnas

#define HWNAS_ASSERT(cond, msg)                                          \
  do {                                                                   \
    if (!(cond)) ::hwnas::assert_fail(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)
