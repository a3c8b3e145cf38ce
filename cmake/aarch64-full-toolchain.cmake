# Cross toolchain for the whole tool on arm64 (issue 13): g++-aarch64-linux-gnu against Debian's
# multiarch arm64 libraries (`dpkg --add-architecture arm64`; ocl-icd-opencl-dev:arm64 and
# libyaml-cpp0.7:arm64 installed; libyaml-cpp-dev:arm64 unpacked into HETSPEC_ARM64_SYSROOT, since
# installing it would remove the amd64 -dev package, which is not co-installable) and the
# architecture-independent headers of the host (nlohmann-json, Eigen, CLI11, Catch2, OpenCL headers).
# Programs run under qemu-aarch64-static.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu $ENV{HETSPEC_ARM64_SYSROOT} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static;-cpu;max;-L;/usr/aarch64-linux-gnu)
