// hwnas report: report.md (and report.html) with plots, from run directories.
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/report/report.h"

namespace hwnas::cli {

void register_report(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<report::Options>();
  auto* cmd = app.add_subcommand("report", "Write a report with plots of one or more runs");
  cmd->add_option(
         "runs", o->runs,
         "Run directories: search, train, `latency validate --report`, `accel --sweep --out`")
      ->required();
  cmd->add_option("--out", o->out, "Report folder (default: RUN/report; several runs need it)");
  cmd->add_flag("--html", o->html, "Also report.html: one self-contained page, images inline");
  cmd->add_flag("--force", o->force, "Replace an earlier report folder at --out");
  cmd->callback([o, &ctx] {
    ctx.run = [o, &ctx] {
      if (o->out.empty()) o->out = report::default_out(o->runs);
      const report::Result r = report::write_report(*o);
      for (const auto& w : r.warnings) spdlog::warn("{}", w);
      if (ctx.json) {
        print_json({{"out", r.out}, {"files", r.files}, {"warnings", r.warnings}});
      } else {
        std::cout << "wrote " << r.out << "/report.md";
        if (o->html) std::cout << " and report.html";
        std::size_t plots = 0;
        for (const auto& f : r.files) plots += f.size() > 4 && f.substr(f.size() - 4) == ".png";
        std::cout << " with " << plots << " plots\n";
      }
      // The report holds what could be read; damage inside a file is the
      // user's to know of, by the exit code too.
      if (r.damaged) ctx.exit_code = 2;
    };
  });
}

}  // namespace hwnas::cli
