#pragma once
// How work is shared between the processes of a run. One process: every
// reduction is a no-op (LocalCommunicator); several: c10d over Gloo
// (train/process_group.h), joined from the launcher's environment.
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hwnas/common/document.h"

namespace hwnas {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Averages the gradients of `params` over every rank (undefined
  /// gradients stay undefined on every rank: all ranks sample the same paths).
  virtual void average_gradients(const std::vector<torch::Tensor>& params) = 0;
  /// Sums each value over every rank, in place.
  virtual void sum(std::vector<double>& values) = 0;
  /// Sums `t` over every rank, in place (a CPU tensor).
  virtual void sum(torch::Tensor& t) = 0;
  /// Every rank's `value`, in rank order.
  virtual std::vector<std::string> all_gather(const std::string& value) = 0;

  /// True on every rank when `flag` is true on any (a stop signal that one
  /// rank saw first: all stop at the same step).
  bool any(bool flag);
  /// Throws InputError on every rank when `what` is not the same on every
  /// rank, naming the first key that differs, the two values and `why`
  /// they must agree.
  void agree(const json& what, const std::string& name,
             const std::string& why = "every rank must run the same config and build");
  /// Throws (a runtime failure) on every rank when the ranks' copies of
  /// `params` differ, or their `state` (what else must be equal on every
  /// rank: the path a supernet sampled): ranks that sampled or stepped
  /// differently.
  void check_in_sync(const std::vector<torch::Tensor>& params, const std::string& state,
                     std::int64_t step);
};

/// The single-process communicator: rank 0 of 1, every reduction a no-op.
class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void average_gradients(const std::vector<torch::Tensor>&) override {}
  void sum(std::vector<double>&) override {}
  void sum(torch::Tensor&) override {}
  std::vector<std::string> all_gather(const std::string& value) override { return {value}; }
};

/// A process-wide LocalCommunicator.
Communicator& local_communicator();

/// Where two JSON values first differ: the key as a user reads it
/// ("train.batch", "layers[3].k") and as a JSON pointer.
struct Difference {
  std::string key;
  json::json_pointer at;
};
/// The first difference between `a` and `b` below `here`; none when equal.
std::optional<Difference> first_difference(const json& a, const json& b, Difference here = {});

}  // namespace hwnas
