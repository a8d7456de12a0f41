#pragma once
// The arch JSON contract ("hwnas.arch/1") <-> Arch, and the layer syntax shared
// with search-space YAML.
#include <string>

#include "hwnas/common/document.h"
#include "hwnas/ir/arch.h"

namespace hwnas {

inline constexpr const char* kArchFormat = "hwnas.arch/1";

enum class LayerSyntax {
  Full,      ///< arch JSON
  Named,     ///< a space's fixed layer: `id` and `inputs` (ids) are the caller's to read
  Template,  ///< a space's candidate: no `out` or `stride` (they come from the position)
};

/// Reads one layer mapping; unknown ops and fields are errors naming the place.
Layer read_layer(Fields& f, LayerSyntax syntax = LayerSyntax::Full);
json layer_to_json(const Layer& layer, LayerSyntax syntax = LayerSyntax::Full);

/// Reads and validates an arch (shapes included). Errors name the file and
/// the layer index and field.
Arch read_arch(const Document& doc);
Arch load_arch(const std::string& path);

json arch_to_json(const Arch& arch);
/// Validates, then writes atomically.
void save_arch(const Arch& arch, const std::string& path);

}  // namespace hwnas
