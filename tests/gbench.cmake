# Google Benchmark bindings: faultline-gbench counters and JSON, and `--format gbench` output
# that Google Benchmark's own compare.py reads.
set(FL_GBENCH_SH ${CMAKE_CURRENT_SOURCE_DIR}/test_gbench.sh)
if(TARGET faultline-gbench)
  add_test(NAME gbench_binary_json
           COMMAND bash ${FL_GBENCH_SH} binary ${CMAKE_BINARY_DIR})
  set_tests_properties(gbench_binary_json PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
add_test(NAME gbench_format_compare COMMAND bash ${FL_GBENCH_SH} compare ${CMAKE_BINARY_DIR})
set_tests_properties(gbench_format_compare PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME gbench_format_golden
         COMMAND bash ${FL_GBENCH_SH} golden ${CMAKE_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
set_tests_properties(gbench_format_golden PROPERTIES TIMEOUT 60)
