# One ctest test per Catch2 test case, so a failure report names the case, with ctest labels taken
# from Catch2 tags (Catch2 v2's own catch_discover_tests knows no labels). Whenever the test binary
# changes, cmake/catch_tests_run.cmake lists its cases (and the cases of each labelled tag) and writes
# the ctest include file.
#
#   hetspec_catch_tests(TARGET tgt
#       LABEL_TAGS  label=tag ...       # ctest label `label` for cases with Catch2 tag [tag]
#       FAST_LABEL  fast                # label for the cases that carry none of the LABEL_TAGS
#       DISABLED_TAG slow               # cases with this tag are registered but disabled (ctest: "Not Run")
#       EXTRA_ARGS  ...                 # Catch2 arguments for every case
#       ENVIRONMENT VAR=value ...)
function(hetspec_catch_tests)
  cmake_parse_arguments(A "" "TARGET;FAST_LABEL;DISABLED_TAG" "LABEL_TAGS;EXTRA_ARGS;ENVIRONMENT" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${A_TARGET}_tests.cmake")
  add_custom_command(
    OUTPUT ${out}
    DEPENDS ${A_TARGET} ${CMAKE_SOURCE_DIR}/cmake/catch_tests_run.cmake
    COMMENT "Listing the test cases of ${A_TARGET} for ctest"
    COMMAND ${CMAKE_COMMAND}
            -D "EXE=$<TARGET_FILE:${A_TARGET}>"
            -D "OUT=${out}"
            -D "LABEL_TAGS=${A_LABEL_TAGS}"
            -D "FAST_LABEL=${A_FAST_LABEL}"
            -D "DISABLED_TAG=${A_DISABLED_TAG}"
            -D "EXTRA_ARGS=${A_EXTRA_ARGS}"
            -D "ENVIRONMENT=${A_ENVIRONMENT}"
            -P ${CMAKE_SOURCE_DIR}/cmake/catch_tests_run.cmake
    VERBATIM)
  add_custom_target(${A_TARGET}_ctest ALL DEPENDS ${out})
  # ctest reads the generated file if it exists (before the first build there are no tests).
  file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/${A_TARGET}_include.cmake"
       "if(EXISTS \"${out}\")\n  include(\"${out}\")\nelse()\n  add_test(${A_TARGET}_NOT_BUILT ${A_TARGET}_NOT_BUILT)\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${CMAKE_CURRENT_BINARY_DIR}/${A_TARGET}_include.cmake")
endfunction()
