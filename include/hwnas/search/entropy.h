#pragma once
// A training-free score from the structure alone, after DeepMAD's network
// entropy (Shen et al., ICML 2023): the log of how much a unit-variance
// signal is amplified from input to logits when every weight has unit
// variance, ignoring normalisation and activations. A chain scores the sum
// of its weighted layers' log fan-ins (DeepMAD's sum of log(c k^2)) plus the
// log of the pooled feature map's area (DeepMAD's r^2 term); a DAG sums the
// amplification over its input-to-output paths (log-sum-exp where paths
// meet), so `none` edges cut paths and parallel paths add. Torch-free.
#include "hwnas/ir/arch.h"

namespace hwnas {

/// What a network whose every input-to-output path is cut scores.
inline constexpr double kNoPathScore = -1e9;

/// The entropy score of `arch` (natural log); kNoPathScore when no path
/// connects the input to the output. Throws InputError for an invalid arch.
double structural_entropy(const Arch& arch);

}  // namespace hwnas
