# The build's identity for `hetspec --version` and the "hetspec_version" of outputs: the project
# VERSION and `git describe --always --dirty` of the source tree, taken at configure time ("unknown"
# outside git, e.g. a source tarball). Re-run cmake to refresh the revision.
find_package(Git QUIET)
set(HETSPEC_GIT_REVISION unknown)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE rev ERROR_QUIET RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0 AND rev)
    set(HETSPEC_GIT_REVISION ${rev})
  endif()
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/version.cpp.in ${CMAKE_BINARY_DIR}/generated/version.cpp @ONLY)
