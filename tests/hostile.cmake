# Hostile inputs (issue 12): the CSV reader/writer and the number parsers as unit tests, the
# issue's reproducers through the real CLI (test_hostile.sh), and the committed fuzz corpus
# replayed through every reader (tests/fuzz/).
foreach(t csv num)
  add_executable(hostile_test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
  target_link_libraries(hostile_test_${t} fl_harness)
  add_test(NAME hostile_${t} COMMAND hostile_test_${t})
  set_tests_properties(hostile_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
endforeach()
foreach(t csv-crash special-files numbers csv-quoting compare-numbers full-disk traces merge-checks reuse-out)
  add_test(NAME hostile_${t}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_hostile.sh ${t} ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR})
  set_tests_properties(hostile_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
