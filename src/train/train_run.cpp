#include "hwnas/train/train_run.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/process_group.h"

namespace hwnas {

TrainRunResult train_run(Arch arch, const RunConfig& cfg, const TrainRunOptions& opt) {
  Datasets data =
      load_datasets(cfg.data.for_retrain(), arch.input, arch.num_classes, cfg.seed, false);
  if (arch.preprocess)
    data.norm = {arch.preprocess->mean, arch.preprocess->std};
  else
    arch.preprocess = Preprocess{data.norm.mean, data.norm.std};
  Communicator& comm = process_communicator();
  comm.agree({{"config", cfg.to_json()}, {"arch", arch_to_json(arch)}}, cfg.file);
  RunDir run = opt.resume ? RunDir::reopen(opt.dir) : RunDir::create(opt.dir);
  TrainRunResult out;
  out.arch = run.file("arch.json");
  out.weights = run.file("model.weights");
  if (!opt.resume) {
    write_file_atomic(run.file("config.yaml"), to_yaml(cfg.to_json()));
    save_arch(arch, out.arch);
  }
  torch::manual_seed(cfg.seed);
  ArchNet net(arch);
  if (!opt.resume && !opt.init_weights.empty()) load_weights(*net, opt.init_weights);
  net->to(opt.device);
  const TrainConfig& tc = cfg.final_training();
  net->set_channels_last(tc.channels_last != "off");
  TrainOptions to = engine_options(tc, cfg.data, cfg.seed, opt.device);
  to.resume = opt.resume;
  to.comm = &comm;
  out.params = count_parameters(*net);
  spdlog::info("training {} ({} params{}) on {} ({} images), {} epochs, {} threads -> {}",
               arch.name, out.params, opt.init_weights.empty() ? "" : ", from " + opt.init_weights,
               cfg.data.dataset, data.train.size(), tc.epochs, opt.threads, opt.dir);
  TrainResult r = train_network(net, data, to, run);
  out.interrupted = r.interrupted;
  out.steps = r.steps;
  out.seconds = r.seconds;
  if (r.interrupted) return out;
  save_weights(*net, out.weights);
  out.test = evaluate(net, data.test, data.norm);
  run.event({{"event", "done"},
             {"step", r.steps},
             {"test_accuracy", out.test.top1},
             {"test_top5", out.test.top5},
             {"test_loss", out.test.loss},
             {"seconds", r.seconds}});
  write_file_atomic(
      run.file("summary.md"),
      fmt::format("# {}\n\nTrained {} epochs ({} steps) in {:.1f} s on {} threads.\n\n"
                  "| test top-1 | test top-5 | test loss | params |\n|---|---|---|---|\n"
                  "| {:.2f}% | {:.2f}% | {:.4f} | {} |\n",
                  arch.name, tc.epochs, r.steps, r.seconds, opt.threads, 100 * out.test.top1,
                  100 * out.test.top5, out.test.loss, out.params));
  return out;
}

}  // namespace hwnas
