# The build's identity for `hetspec --version` and the "hetspec_version" of outputs (profiles, reports,
# traces): the project VERSION and `git describe --always --dirty` of the source tree ("unknown"
# outside git, e.g. a source tarball). Taken at every build, not only at configure time: a profile
# must name the revision that measured it, and a build tree outlives many commits. The file is
# rewritten only when the revision changes, so an unchanged tree recompiles nothing.
find_package(Git QUIET)
set(HETSPEC_VERSION_CPP ${CMAKE_BINARY_DIR}/generated/version.cpp)
set(HETSPEC_VERSION_ARGS -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${HETSPEC_VERSION_CPP} -DPROJECT_VERSION=${PROJECT_VERSION}
    -DGIT_EXECUTABLE=${GIT_EXECUTABLE})
execute_process(COMMAND ${CMAKE_COMMAND} ${HETSPEC_VERSION_ARGS} -P ${CMAKE_SOURCE_DIR}/cmake/version_run.cmake)
add_custom_target(hetspec_version
  COMMAND ${CMAKE_COMMAND} ${HETSPEC_VERSION_ARGS} -P ${CMAKE_SOURCE_DIR}/cmake/version_run.cmake
  BYPRODUCTS ${HETSPEC_VERSION_CPP}
  VERBATIM)
