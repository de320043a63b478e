# Issue 18 through the CLI: container limits (v1 here; root), bad --cgroup/--thp input, the
# RSS breakdown summing to Rss.
foreach(t cgroup-limit cgroup-bad-input breakdown-sum thp-axis)
  add_test(NAME memory_${t}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_memory.sh ${t} ${CMAKE_BINARY_DIR}
                   ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(memory_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
