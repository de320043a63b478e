# Issue 11 (measurement truth) through the CLI: exact phase RSS peak, per-kind latency sampling,
# no harness faults in the phase, phase faults against perf record, the event-driven timeline.
foreach(t rss-peak sampling lat-clock lat-bad-input no-measure-equal aslr-repeat perf-phase mprotect-strace mprotect-columns
          timeline)
  add_test(NAME truth_${t}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_truth.sh ${t} ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR})
  set_tests_properties(truth_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
