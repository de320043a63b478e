# Lint: shellcheck over every script of ci/, tests/, plots/ and .ci/ (settings in .shellcheckrc).
# Skips when shellcheck is not installed.
add_test(NAME lint_shellcheck
         COMMAND bash -c "command -v shellcheck >/dev/null || { echo 'SKIP: shellcheck not installed'; exit 77; }; cd '${CMAKE_SOURCE_DIR}' && shellcheck ci/*.sh tests/*.sh plots/*.sh .ci/run"
)
set_tests_properties(lint_shellcheck PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)

# results/README.md's metric table against metrics.def (names, order, units, sources).
add_test(NAME lint_metrics_doc
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics_doc.py ${CMAKE_SOURCE_DIR})

# The house rules a script can check: file and function sizes, no header include cycle, includes
# only downward between allocators, workloads and harness (needs git: the tracked files).
add_test(NAME lint_layout COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_layout.py ${CMAKE_SOURCE_DIR})
