# `faultline whatif` (owner: whatif): predictions equal glibc's measured syscalls on the shipped
# sort trace for the verified settings, and bad input exits 2 with one line, creating nothing.
add_test(NAME whatif COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_whatif.sh
  $<TARGET_FILE:faultline> ${CMAKE_SOURCE_DIR}/results/traces/sort.fltrace ${CMAKE_BINARY_DIR})
set_tests_properties(whatif PROPERTIES TIMEOUT 180 SKIP_RETURN_CODE 77)
