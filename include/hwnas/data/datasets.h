#pragma once
// A run's data, from its config: train (and, for search, a held-out
// validation split) and test images, with the normalisation of the train set.
#include "hwnas/data/data_options.h"
#include "hwnas/data/image_set.h"

namespace hwnas {

struct Datasets {
  ImageSet train, val, test;  ///< val is empty unless held out
  ChannelStats norm;          ///< of `train`, pixels scaled to [0, 1]
};

/// Where a dataset is read from when the config gives no path.
std::string default_data_path(const std::string& dataset);

/// Throws InputError, as load_datasets would, when `cfg`'s dataset is
/// missing or does not fit the network, reading only headers and folder
/// listings (a dry run's check; no pixels are read).
void check_dataset_fits(const DataOptions& cfg, const Shape& input, int num_classes);

/// Loads `cfg`'s dataset for a network with `input` shape and `num_classes`;
/// throws InputError when the data does not fit the network (naming both).
/// `hold_out_val`: split cfg.val_fraction of the train images off (search).
Datasets load_datasets(const DataOptions& cfg, const Shape& input, int num_classes,
                       std::uint64_t seed, bool hold_out_val);

}  // namespace hwnas
