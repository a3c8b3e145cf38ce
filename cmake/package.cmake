# `cpack -G DEB` (run in the build directory): build/hetspec_<version>_amd64.deb with everything
# cmake/install.cmake installs, under /usr. Depends comes from dpkg-shlibdeps (dpkg-dev) on the
# binary; what linking the static library needs is listed under Suggests.
# Cross-built for arm64 (scripts/test-aarch64-full.sh): hetspec_<version>_arm64.deb. dpkg-shlibdeps
# cannot map the arm64 libraries to packages (they are unpacked into a sysroot, not installed), so
# Depends is the list it gives for the amd64 build of the same sources on Debian 12, the same package
# names on every architecture; the script checks that each library the arm64 binary needs (NEEDED) is
# shipped by a package of that list.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hetspec)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "hetspec maintainers <hetspec@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "predicts and measures speculative decoding on systems-on-chip")
set(CPACK_PACKAGE_DESCRIPTION "hetspec ranks draft/target placements, split points and draft lengths for
speculative decoding of an LLM on a SoC from a spec-sheet or measured profile, and runs the plan on
GGUF models with its CPU and OpenCL engine to check the prediction.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), libyaml-cpp0.7 (>= 0.7.0), ocl-icd-libopencl1 | libopencl1")
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pocl-opencl-icd | opencl-icd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libyaml-cpp-dev, nlohmann-json3-dev, libeigen3-dev, ocl-icd-opencl-dev, pkg-config")
set(CPACK_STRIP_FILES bin/hetspec)
include(CPack)
