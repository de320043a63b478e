# Workload suite tests: every workload on the glibc and mmap backends with tiny parameters,
# determinism per seed, parameter validation, and the exact fault counts of file-map,
# first-touch, churn and shm. One ctest per area so a failure names it.
add_executable(test_workloads ${CMAKE_CURRENT_SOURCE_DIR}/test_workloads.c
                              ${CMAKE_CURRENT_SOURCE_DIR}/test_workloads_faults.c)
target_link_libraries(test_workloads PRIVATE fl_workloads)
foreach(t params glibc mmap shm file-map first-touch churn-faults seed-glibc)
  add_test(NAME wl_${t} COMMAND test_workloads ${t})
  set_tests_properties(wl_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
