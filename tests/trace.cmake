# Trace capture (libfaultline-trace.so, `faultline trace`) and the replay workload.
# trace_prog is preloaded into, so it must not be sanitized (ASan wants to own malloc), and it is
# built without builtins so every call it makes reaches the tracer.
add_executable(trace_prog ${CMAKE_CURRENT_SOURCE_DIR}/trace_prog.c)
target_compile_options(trace_prog PRIVATE -fno-builtin)
target_link_libraries(trace_prog pthread)
fl_strip_sanitizers(trace_prog)

set(FL_TRACE_SH ${CMAKE_CURRENT_SOURCE_DIR}/test_trace.sh)
set(FL_TRACE_FL ${CMAKE_BINARY_DIR}/faultline)
set(FL_TRACES ${CMAKE_SOURCE_DIR}/results/traces)
add_test(NAME trace_dump_prog COMMAND bash ${FL_TRACE_SH} dump_prog ${FL_TRACE_FL}
                                      $<TARGET_FILE:trace_prog>)
add_test(NAME trace_bad_files COMMAND bash ${FL_TRACE_SH} bad ${FL_TRACE_FL}
                                      $<TARGET_FILE:trace_prog>)
add_test(NAME trace_fuzz COMMAND bash ${FL_TRACE_SH} fuzz ${FL_TRACE_FL} $<TARGET_FILE:trace_prog>)
add_test(NAME trace_usage COMMAND bash ${FL_TRACE_SH} usage ${FL_TRACE_FL})
add_test(NAME trace_sort_parallel COMMAND bash ${FL_TRACE_SH} sort_parallel ${FL_TRACE_FL})
add_test(NAME trace_detached COMMAND bash ${FL_TRACE_SH} detached ${FL_TRACE_FL}
                                     $<TARGET_FILE:trace_prog>)
add_test(NAME trace_children COMMAND bash ${FL_TRACE_SH} children ${FL_TRACE_FL})
set(FL_TRACE_TESTS trace_dump_prog trace_bad_files trace_fuzz trace_usage trace_sort_parallel trace_detached
                   trace_children)
foreach(b glibc mmap brk hybrid)
  add_test(NAME trace_replay_prog_${b} COMMAND bash ${FL_TRACE_SH} replay_prog ${FL_TRACE_FL}
                                               $<TARGET_FILE:trace_prog> ${b})
  add_test(NAME trace_stress_${b} COMMAND bash ${FL_TRACE_SH} stress ${FL_TRACE_FL}
                                         $<TARGET_FILE:trace_prog> ${b})
  list(APPEND FL_TRACE_TESTS trace_replay_prog_${b} trace_stress_${b})
endforeach()
foreach(t sort python)
  foreach(b glibc hybrid)
    add_test(NAME trace_shipped_${t}_${b}
             COMMAND bash ${FL_TRACE_SH} shipped ${FL_TRACE_FL} ${FL_TRACES}/${t}.fltrace ${b})
    list(APPEND FL_TRACE_TESTS trace_shipped_${t}_${b})
  endforeach()
endforeach()
set_tests_properties(${FL_TRACE_TESTS} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
