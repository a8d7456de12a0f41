#pragma once
// How the training engine reduces across processes. One process: nothing to
// do (LocalCommunicator); a c10d implementation plugs in here and only here.
#include <vector>

#include <torch/torch.h>

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
};

/// The single-process communicator: rank 0 of 1, every reduction a no-op.
class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void average_gradients(const std::vector<torch::Tensor>&) override {}
  void sum(std::vector<double>&) override {}
};

/// A process-wide LocalCommunicator.
Communicator& local_communicator();

}  // namespace hwnas
