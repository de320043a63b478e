# The tuning advisor: on a real multi-threaded program (tune_prog) it must find a setting with
# >= 5x lower retained RSS than glibc's defaults, and that setting must really do it; on a
# workload it runs through the normal runner.
add_executable(tune_prog ${CMAKE_CURRENT_SOURCE_DIR}/tune_prog.c)
target_link_libraries(tune_prog pthread)
# The program is what glibc tunes, so it must keep glibc's malloc (ASan would replace it).
fl_strip_sanitizers(tune_prog)
set_target_properties(tune_prog PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

set(FL_TUNE_SH ${CMAKE_CURRENT_SOURCE_DIR}/test_tune.sh)
foreach(mode program workload usage measure)
  add_test(NAME tune_${mode}
           COMMAND bash ${FL_TUNE_SH} ${mode} ${CMAKE_BINARY_DIR} ${FAULTLINE_SANITIZE_FLAG})
  set_tests_properties(tune_${mode} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endforeach()
