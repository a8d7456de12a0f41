# The git revision is read at build time (not configure time), so
# `hwnas --version` names the commit the binary was really built from.
add_custom_target(hwnas_version_header
  COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR} -DOUT=${PROJECT_BINARY_DIR}/generated/hwnas/version_info.h
          -DVERSION=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/WriteVersion.cmake
  BYPRODUCTS ${PROJECT_BINARY_DIR}/generated/hwnas/version_info.h
  COMMENT "hwnas: reading git revision")
