# Tests of the measurement primitives: histogram, perf counters and tracepoints, procfs readers.
foreach(t hist perf procfs)
  add_executable(measure_test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
  target_link_libraries(measure_test_${t} fl_harness)
  add_test(NAME measure_${t} COMMAND measure_test_${t})
  set_tests_properties(measure_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
# test_perf.c runs the calibration checks, test_perf_paths.c the paths around the counters.
target_sources(measure_test_perf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/test_perf_paths.c)
# Leaf cgroups: parsing, mountinfo detection, and a live 64M/128M limit on the v1 and v2 memory
# controllers (each skips with one line where that controller is not mounted or not root).
add_executable(measure_test_cgroup ${CMAKE_CURRENT_SOURCE_DIR}/test_cgroup.c)
target_link_libraries(measure_test_cgroup fl_harness)
foreach(v 1 2)
  add_test(NAME measure_cgroup_v${v} COMMAND measure_test_cgroup ${v})
  set_tests_properties(measure_cgroup_v${v} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
endforeach()
