# Tests of the measurement primitives: histogram, perf counters and tracepoints, procfs readers.
foreach(t hist perf procfs)
  add_executable(measure_test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
  target_link_libraries(measure_test_${t} fl_harness)
  add_test(NAME measure_${t} COMMAND measure_test_${t})
  set_tests_properties(measure_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
