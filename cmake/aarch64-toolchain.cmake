# Cross toolchain for the NEON path: g++-aarch64-linux-gnu; tests run under qemu-aarch64-static.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# -cpu max gives SDOT (dotprod); HETSPEC_REQUIRE_PATHS makes the kernel tests fail if the NEON or
# NEON-dotprod path is not detected, so both really run under emulation.
set(CMAKE_CROSSCOMPILING_EMULATOR env;HETSPEC_REQUIRE_PATHS=neon,neon-dotprod;qemu-aarch64-static;-cpu;max;-L;/usr/aarch64-linux-gnu)
