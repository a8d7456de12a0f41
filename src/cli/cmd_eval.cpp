// hwnas eval: test-split accuracy of trained weights.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/files.h"
#include "hwnas/common/output_path.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/trainer.h"

namespace hwnas::cli {

namespace {

struct EvalOptions {
  std::string arch, weights, config, predictions;
  int threads = 0, batch = 256;
  bool force = false;
};

void run_eval(EvalOptions o, const Context& ctx) {
  if (!o.predictions.empty())
    o.predictions = check_output(o.predictions, OutputKind::File, o.force,
                                 {o.arch, o.weights, o.config}, "--predictions");
  Arch arch = load_arch(o.arch);
  RunConfig cfg;
  if (!o.config.empty()) cfg = load_run_config(o.config);
  set_threads(o.threads > 0 ? o.threads : (o.config.empty() ? 0 : cfg.threads));
  const WeightsArchive weights = read_weights_archive(o.weights);  // before building the net
  check_weights_fit(arch, weights, o.weights);
  ArchNet net(arch);
  apply_weights(*net, weights, o.weights);
  Datasets data = load_datasets(cfg.data, arch.input, arch.num_classes, cfg.seed, false);
  if (arch.preprocess) data.norm = {arch.preprocess->mean, arch.preprocess->std};
  std::vector<std::int64_t> top1;
  EvalResult r = evaluate(net, data.test, data.norm, o.batch, &top1);
  if (!o.predictions.empty()) {
    std::string text;
    for (auto c : top1) text += std::to_string(c) + "\n";
    write_file_atomic(o.predictions, text);
  }
  if (ctx.json)
    return print_json({{"test_accuracy", r.top1},
                       {"top5", r.top5},
                       {"loss", r.loss},
                       {"images_per_s", r.images_per_s},
                       {"images", r.images}});
  std::cout << fmt::format(
      "{} on {} test images: top-1 {:.2f}%, top-5 {:.2f}%, loss {:.4f}, {:.0f} images/s\n",
      arch.name, r.images, 100 * r.top1, 100 * r.top5, r.loss, r.images_per_s);
}

}  // namespace

void register_eval(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Evaluate trained weights on the test split");
  cmd->add_option("--arch", o->arch, "Architecture JSON")->required();
  cmd->add_option("--weights", o->weights, "Weights file")->required();
  cmd->add_option("--config", o->config, "Run config for the dataset (default: Fashion-MNIST)");
  cmd->add_option("--batch", o->batch, "Batch size")->check(CLI::Range(1, 65536));
  cmd->add_option("--predictions", o->predictions,
                  "Write each test image's top-1 class here, one per line, in file order");
  cmd->add_option("--threads", o->threads, "Threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--force", o->force, "Replace an existing --predictions file");
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { run_eval(*o, ctx); }; });
}

}  // namespace hwnas::cli
