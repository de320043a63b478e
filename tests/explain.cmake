# `faultline run --explain` and ledger.csv (owner: twin).
add_test(NAME explain_ledger COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_explain.sh
  $<TARGET_FILE:faultline>)
set_tests_properties(explain_ledger PROPERTIES TIMEOUT 120)
