// hwnas init: print a commented starter run config (search/starter_config.h).
#include <iostream>

#include "cli.h"
#include "hwnas/search/starter_config.h"

namespace hwnas::cli {

void register_init(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<StarterRequest>();
  auto* cmd = app.add_subcommand("init", "Print a commented starter run config");
  cmd->add_option("--strategy", o->strategy, "Search strategy (hwnas search --list-strategies)")
      ->required();
  cmd->add_option("--space", o->space, "Search space (a shipped name or a file)")->required();
  cmd->add_option("--cost", o->cost,
                  "Cost model: flops (default), lut, lut-calibrated, measured, accelerator, table");
  cmd->add_option("--table", o->table, "With --cost table: whole-network measurements (CSV)");
  cmd->add_option("--column", o->column, "With --cost table: the column of milliseconds");
  cmd->callback([o, &ctx] {
    ctx.run = [o, &ctx] {
      const std::string text = starter_config(*o);
      if (ctx.json)
        print_json({{"config", text}});
      else
        std::cout << text;
    };
  });
}

}  // namespace hwnas::cli
