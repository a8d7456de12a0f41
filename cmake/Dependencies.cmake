# Every dependency comes from a Debian -dev package (see third_party/README.md);
# tools/install-deps.sh installs them.
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(ZLIB REQUIRED)
if(HWNAS_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
if(HWNAS_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

# yaml-cpp 0.7's config exports the target as plain `yaml-cpp`.
if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp INTERFACE IMPORTED)
  target_link_libraries(yaml-cpp::yaml-cpp INTERFACE yaml-cpp)
endif()

if(HWNAS_FUZZ)  # the fuzz build has only the torch-free readers
  return()
endif()
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)          # targets: onnx, onnx_proto
find_package(Torch REQUIRED)         # Debian's libtorch (CPU) or a CUDA libtorch via CMAKE_PREFIX_PATH

# CUDA: AUTO follows the libtorch that was found.
set(_torch_has_cuda OFF)
if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda)
  set(_torch_has_cuda ON)
endif()
if(HWNAS_CUDA STREQUAL "AUTO")
  set(HWNAS_WITH_CUDA ${_torch_has_cuda})
elseif(HWNAS_CUDA STREQUAL "ON")
  if(NOT _torch_has_cuda)
    message(FATAL_ERROR "HWNAS_CUDA=ON but the libtorch found at ${Torch_DIR} has no CUDA; "
                        "point CMAKE_PREFIX_PATH at a CUDA libtorch or use HWNAS_CUDA=AUTO")
  endif()
  set(HWNAS_WITH_CUDA ON)
elseif(HWNAS_CUDA STREQUAL "OFF")
  set(HWNAS_WITH_CUDA OFF)
else()
  message(FATAL_ERROR "HWNAS_CUDA must be AUTO, ON or OFF (got '${HWNAS_CUDA}')")
endif()
message(STATUS "hwnas: libtorch ${Torch_VERSION} at ${Torch_DIR}; CUDA paths ${HWNAS_WITH_CUDA}")
