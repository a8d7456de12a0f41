// `hwnas`: parse, run one subcommand, map failures to exit codes
// (0 ok, 2 bad usage or input, 1 runtime failure).
#include <filesystem>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/progress.h"
#include "hwnas/common/text.h"
#include "hwnas/version_info.h"

namespace {

// Log lines go above the progress line being drawn on a terminal.
class ProgressAwareSink final : public spdlog::sinks::sink {
 public:
  explicit ProgressAwareSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    hwnas::progress_suspend();
    inner_->log(msg);
    inner_->flush();
    hwnas::progress_resume();
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  spdlog::sink_ptr inner_;
};

// One line whatever the input held: a newline in a key or path, a huge name.
int fail(const hwnas::cli::Context& ctx, int code, const std::string& what) {
  const std::string message = hwnas::one_line(what);
  std::cerr << "hwnas: error: " << message << "\n";
  if (ctx.json) hwnas::cli::print_json({{"error", message}});
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  hwnas::cli::Context ctx;
  CLI::App app{"hwnas: hardware-aware neural architecture search"};
  app.set_version_flag("--version",
                       std::string("hwnas ") + HWNAS_VERSION + " (git " + HWNAS_GIT_REVISION + ")");
  app.fallthrough();
  app.require_subcommand(1);
  app.add_flag("--json", ctx.json, "Print one JSON object on stdout; logs go to stderr");
  std::string level = "info";
  app.add_option("--log-level", level, "Log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  hwnas::cli::register_stats(app, ctx);
  hwnas::cli::register_space(app, ctx);
  hwnas::cli::register_search(app, ctx);
  hwnas::cli::register_train(app, ctx);
  hwnas::cli::register_eval(app, ctx);
  hwnas::cli::register_bench(app, ctx);
  hwnas::cli::register_profile(app, ctx);
  hwnas::cli::register_latency(app, ctx);
  hwnas::cli::register_export(app, ctx);
  hwnas::cli::register_accel(app, ctx);
  hwnas::cli::register_launch(app, ctx);
  hwnas::cli::register_init(app, ctx);
  hwnas::cli::register_report(app, ctx);
  hwnas::cli::register_completion(app, ctx);

  // --json must be known before parsing fails, so an error is shaped right.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--json") ctx.json = true;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(ctx, 2, std::string(e.what()) + " (run 'hwnas --help')");
  }

  auto logger = std::make_shared<spdlog::logger>(
      "hwnas",
      std::make_shared<ProgressAwareSink>(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  spdlog::set_default_logger(logger);
  if (ctx.json) hwnas::set_progress_enabled(false);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");

  int code = 0;
  std::string message;
  try {
    const std::string subcommand = app.get_subcommands().front()->get_name();
    hwnas::cli::join_launched_group(subcommand,
                                    std::string(HWNAS_VERSION) + " " + HWNAS_GIT_REVISION);
    ctx.run();
    code = ctx.exit_code;
  } catch (const hwnas::InputError& e) {
    code = 2, message = e.what();
  } catch (const std::filesystem::filesystem_error& e) {
    // A path the user gave that the system refuses (too long, a symlink
    // loop, no permission): theirs to fix.
    const std::string path = e.path1().empty() ? "" : e.path1().string() + ": ";
    code = 2, message = path + e.code().message();
  } catch (const std::exception& e) {
    code = 1, message = e.what();
  }
  if (!message.empty()) fail(ctx, code, message);
  hwnas::cli::leave_launched_group(code,
                                   message.empty() ? "interrupted" : hwnas::one_line(message));
  return code;
}
