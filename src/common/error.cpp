#include "hwnas/common/error.h"

#include <fmt/format.h>

namespace hwnas {

namespace {
std::string compose(const std::string& place, const std::string& message) {
  return place.empty() ? message : place + ": " + message;
}
}  // namespace

InputError::InputError(std::string place, std::string message)
    : std::runtime_error(compose(place, message)),
      place_(std::move(place)),
      message_(std::move(message)) {}

InputError InputError::with_context(const std::string& context) const {
  return InputError(place_, message_ + " (" + context + ")");
}

void assert_fail(const char* expr, const char* file, int line, const std::string& msg) {
  throw std::logic_error(fmt::format("internal error: {} ({}:{}: {})", msg, file, line, expr));
}

}  // namespace hwnas
