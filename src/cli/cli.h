#pragma once
// Shared plumbing of the `hwnas` subcommands: each cmd_<verb>.cpp registers
// one subcommand that parses into an options struct and sets `run`.
#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "hwnas/common/document.h"

namespace hwnas {
struct LutCalibration;
}

namespace hwnas::cli {

/// A seed as typed: digits only, at most 2^63 - 1. Checked on the text,
/// because CLI11 alone clamps a larger number to the type's maximum.
inline CLI::Validator seed_text() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        std::int64_t v = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || s[0] == '-' || s[0] == '+' || r.ec != std::errc() ||
            r.ptr != s.data() + s.size())
          return "expected a seed in [0, 9223372036854775807], got " + s.substr(0, 32);
        return "";
      },
      "SEED");
}

struct Context {
  bool json = false;
  std::function<void()> run;  ///< the chosen subcommand's action
  int exit_code = 0;          ///< set by `run` for outcomes other than success (130: interrupted)
};

/// Prints `j` as one JSON object on stdout (for --json).
void print_json(const json& j);

/// A latency table and the calibration beside it are one output: both are
/// checked (check_output) before any work; returns the table's path.
std::string check_table_outputs(const std::string& out, bool force,
                                const std::vector<std::string>& inputs);
/// The calibration beside `table` (default_calibration_path), when there is one.
std::optional<LutCalibration> calibration_beside(const std::string& table);
/// Removes a calibration left beside `table` by an earlier table (a reader
/// would pair them).
void drop_stale_calibration(const std::string& table);

/// `hwnas latency fit`, under the `latency` subcommand.
void add_latency_fit(CLI::App& latency, Context& ctx);

void register_stats(CLI::App& app, Context& ctx);
void register_space(CLI::App& app, Context& ctx);
void register_search(CLI::App& app, Context& ctx);
void register_train(CLI::App& app, Context& ctx);
void register_eval(CLI::App& app, Context& ctx);
void register_bench(CLI::App& app, Context& ctx);
void register_profile(CLI::App& app, Context& ctx);
void register_latency(CLI::App& app, Context& ctx);
void register_export(CLI::App& app, Context& ctx);
void register_accel(CLI::App& app, Context& ctx);
void register_launch(CLI::App& app, Context& ctx);
void register_init(CLI::App& app, Context& ctx);
void register_completion(CLI::App& app, Context& ctx);
void register_report(CLI::App& app, Context& ctx);

/// Joins the multi-process run that the launcher's environment describes
/// (nothing without one); InputError when the environment is wrong or the
/// subcommand runs on one process only. `build`: version and revision,
/// which every rank must share.
void join_launched_group(const std::string& subcommand, const std::string& build);
/// Leaves it: after success waits for the other ranks; after a failure
/// (code != 0) tells them, so they stop with the same code and message.
void leave_launched_group(int code, const std::string& message);

/// "1.23M", "456.7K": compact counts for tables.
std::string human_count(double v);

}  // namespace hwnas::cli
