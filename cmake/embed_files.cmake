# Embeds text files (OpenCL C kernels) into a generated .cpp as a name -> source table, regenerated
# whenever a file changes. Lookup: hetspec::embedded_file("gemv_q4_0.cl").
function(hetspec_embed_files out files)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DFILES=${files}" -P ${CMAKE_SOURCE_DIR}/cmake/embed_files_run.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/embed_files_run.cmake
    COMMENT "Embedding OpenCL sources"
    VERBATIM)
endfunction()
