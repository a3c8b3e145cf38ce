# Cross builds (aarch64 under qemu): only the CPU kernels and their parity tests, no other deps
# (Catch2 v2 is header-only). Sources: src/engine/cpu/*.cpp, src/core/fp16*.cpp; tests: tests/engine/cpu/*.cpp.
file(GLOB HETSPEC_KERNEL_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/src/engine/cpu/*.cpp ${CMAKE_SOURCE_DIR}/src/core/dtype.cpp)
hetspec_apply_simd_flags("${HETSPEC_KERNEL_SOURCES}")
file(GLOB HETSPEC_KERNEL_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/engine/cpu/*.cpp
  ${CMAKE_SOURCE_DIR}/tests/test_main.cpp)
find_package(Threads REQUIRED)
add_executable(hetspec_kernel_tests ${HETSPEC_KERNEL_SOURCES} ${HETSPEC_KERNEL_TESTS})
target_include_directories(hetspec_kernel_tests PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(hetspec_kernel_tests PRIVATE Threads::Threads)
target_compile_definitions(hetspec_kernel_tests PRIVATE HETSPEC_KERNELS_ONLY=1)
enable_testing()
add_test(NAME kernels COMMAND hetspec_kernel_tests "~[slow]")
# The cross compiler does not search /usr/include: give it Catch2's single header alone.
configure_file(/usr/include/catch2/catch.hpp ${CMAKE_BINARY_DIR}/catch2inc/catch2/catch.hpp COPYONLY)
target_include_directories(hetspec_kernel_tests SYSTEM PRIVATE ${CMAKE_BINARY_DIR}/catch2inc)
