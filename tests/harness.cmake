# Harness tests through the real CLI: bad input, golden outputs (fake-measure), exact counts
# (calibration, tracepoints = OS layer = strace, repeatability), outcomes, sweeps, every
# workload on every backend, interrupted plans, every command's --help/help/-V, -b/-w lists.
set(FL_CLI_TESTS bad-input golden calibrate exact-counts repeat5 outcomes sweep seed-steps
    every-workload interrupted commands spec-lists events)
foreach(t ${FL_CLI_TESTS})
  add_test(NAME harness_${t}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli.sh ${t} ${CMAKE_BINARY_DIR}
                   ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(harness_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endforeach()
