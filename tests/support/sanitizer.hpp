// Whether this test binary runs under AddressSanitizer: g++ defines __SANITIZE_ADDRESS__, clang answers
// __has_feature(address_sanitizer). Memory bounds (peak RSS) say nothing under ASan's shadow memory and
// quarantine (~110-125 MB more for `hetspec generate`), so tests check them only in plain builds.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define HETSPEC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HETSPEC_TEST_ASAN 1
#endif
#endif
#ifndef HETSPEC_TEST_ASAN
#define HETSPEC_TEST_ASAN 0
#endif
