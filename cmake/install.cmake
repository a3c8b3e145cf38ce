# What `cmake --install` (and the .deb) lays down, and the package files that let other projects use
# the library: find_package(hetspec CONFIG) -> hetspec::hetspec, or pkg-config hetspec.
#   bin/hetspec
#   include/hetspec/...                       public headers
#   lib/libhetspec.a                          the library (OpenCL kernels are embedded in it)
#   lib/cmake/hetspec/                        hetspecConfig.cmake, version file, exported targets
#   lib/pkgconfig/hetspec.pc                  relocatable (paths relative to the .pc file)
#   share/hetspec/configs/{models,socs,plans,prompts}   bundled data, found by name (core/bundled.hpp)
#   share/hetspec/models/smollm2-135m-draft.gguf        the shipped 13.1 MB draft for SmolLM2-135M
#   share/hetspec/schemas/*.schema.json                 the JSON output contract
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HETSPEC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hetspec)

install(TARGETS hetspec RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS hetspec_lib EXPORT hetspecTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/hetspec DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/hetspec/configs)
install(FILES ${CMAKE_SOURCE_DIR}/models/smollm2-135m-draft.gguf ${CMAKE_SOURCE_DIR}/models/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/hetspec/models)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/hetspec/schemas)

install(EXPORT hetspecTargets NAMESPACE hetspec:: DESTINATION ${HETSPEC_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/hetspecConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/hetspecConfig.cmake INSTALL_DESTINATION ${HETSPEC_CMAKE_DIR})
# 0.x: a minor version may break the API.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/hetspecConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/hetspecConfig.cmake ${CMAKE_BINARY_DIR}/hetspecConfigVersion.cmake
        DESTINATION ${HETSPEC_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own place, so the tree can be moved.
file(RELATIVE_PATH HETSPEC_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" HETSPEC_PC_TO_PREFIX "${HETSPEC_PC_TO_PREFIX}")
set(HETSPEC_PC_REQUIRES "yaml-cpp nlohmann_json eigen3")
set(HETSPEC_PC_CFLAGS "")
if(HETSPEC_WITH_OPENCL)
  string(APPEND HETSPEC_PC_REQUIRES " OpenCL")
  set(HETSPEC_PC_CFLAGS "-DHETSPEC_WITH_OPENCL=1 -DCL_TARGET_OPENCL_VERSION=120")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/hetspec.pc.in ${CMAKE_BINARY_DIR}/hetspec.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/hetspec.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
