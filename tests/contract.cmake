# Contract tests shared by every backend: conformance, seeded stress, ENOMEM behaviour, plus the
# mmap backend's own checks. One ctest per backend so a failure names the backend.
set(FL_CONTRACT_BACKENDS brk mmap hybrid glibc)

foreach(t conformance stress enomem mmap_backend)
  add_executable(test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE fl_allocators)
endforeach()
target_link_libraries(test_stress PRIVATE pthread)

# The registry walk: every in-process backend, failing if none could be checked at all.
add_test(NAME contract_conformance_all COMMAND test_conformance)
set_tests_properties(contract_conformance_all PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
foreach(b ${FL_CONTRACT_BACKENDS})
  add_test(NAME contract_conformance_${b} COMMAND test_conformance ${b})
  add_test(NAME contract_stress_${b} COMMAND test_stress ${b})
  add_test(NAME contract_enomem_${b} COMMAND test_enomem ${b})
  set_tests_properties(contract_conformance_${b} contract_stress_${b} contract_enomem_${b}
                       PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
add_test(NAME contract_mmap_backend COMMAND test_mmap_backend)
set_tests_properties(contract_mmap_backend PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
