# One library per part. Torch-free parts use hwnas_library(); parts that use
# libtorch use hwnas_torch_library(), which adds torch and a precompiled header
# (a TU including torch costs ~30 s here; the PCH pays that once per target).
set(HWNAS_WARNINGS -Wall -Wextra)

function(hwnas_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(hwnas_${name} STATIC ${ARG_SOURCES})
  target_include_directories(hwnas_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(hwnas_${name} PRIVATE ${HWNAS_WARNINGS})
  target_link_libraries(hwnas_${name} PUBLIC ${ARG_DEPS})
endfunction()

function(hwnas_torch_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  hwnas_library(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS} ${TORCH_LIBRARIES})
  target_include_directories(hwnas_${name} SYSTEM PUBLIC ${TORCH_INCLUDE_DIRS})
  target_precompile_headers(hwnas_${name} PRIVATE <torch/torch.h>)
  if(HWNAS_WITH_CUDA)
    target_compile_definitions(hwnas_${name} PUBLIC HWNAS_WITH_CUDA=1)
  endif()
endfunction()
