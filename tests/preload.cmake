# LD_PRELOAD libraries and the contract checker: real Debian programs under every
# libfaultline-*.so must behave exactly as under glibc; `faultline check` must pass our backends.
add_executable(check_driver ${CMAKE_CURRENT_SOURCE_DIR}/check_driver.c)
target_link_libraries(check_driver fl_harness)
set_target_properties(check_driver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# Preloaded into by tests, so it must not be sanitized itself (ASan wants to own malloc).
add_executable(mallopt_prog ${CMAKE_CURRENT_SOURCE_DIR}/mallopt_prog.c)
fl_strip_sanitizers(mallopt_prog)

set(FL_PRELOAD_SH ${CMAKE_CURRENT_SOURCE_DIR}/test_preload.sh)
foreach(b brk mmap hybrid)
  foreach(prog sort sort_parallel gzip python sqlite)
    add_test(NAME preload_${prog}_${b}
             COMMAND bash ${FL_PRELOAD_SH} ${prog} ${CMAKE_BINARY_DIR}/libfaultline-${b}.so)
    set_tests_properties(preload_${prog}_${b} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
  endforeach()
  add_test(NAME preload_stats_${b}
           COMMAND bash ${FL_PRELOAD_SH} stats ${CMAKE_BINARY_DIR}/libfaultline-${b}.so)
  set_tests_properties(preload_stats_${b} PROPERTIES TIMEOUT 60)
endforeach()
add_test(NAME preload_bad_params
         COMMAND bash ${FL_PRELOAD_SH} bad_params ${CMAKE_BINARY_DIR}/libfaultline-hybrid.so)
add_test(NAME preload_mallopt
         COMMAND bash ${FL_PRELOAD_SH} mallopt ${CMAKE_BINARY_DIR}/libfaultline-hybrid.so
                 $<TARGET_FILE:mallopt_prog>)
set_tests_properties(preload_bad_params preload_mallopt PROPERTIES TIMEOUT 60)

set(FL_CHECK_DRIVER ${CMAKE_BINARY_DIR}/check_driver)
add_test(NAME preload_check_ours
         COMMAND bash ${FL_PRELOAD_SH} check ${FL_CHECK_DRIVER} --seed 7 --backend brk
                 --backend mmap --backend hybrid --backend glibc)
add_test(NAME preload_check_preload
         COMMAND bash ${FL_PRELOAD_SH} check ${FL_CHECK_DRIVER} --seed 7 --preload --backend brk
                 --backend mmap --backend hybrid)
# The peers are held to C/POSIX and some miss it (errno on overflow, aligned_alloc in mimalloc
# 2.0, jemalloc's missing pvalloc): this asserts the checker runs them to a verdict.
add_test(NAME preload_check_peers
         COMMAND bash ${FL_PRELOAD_SH} check_peers ${FL_CHECK_DRIVER} --seed 7 --backend jemalloc
                 --backend tcmalloc --backend mimalloc)
add_test(NAME preload_check_bad_input
         COMMAND bash ${FL_PRELOAD_SH} check_bad ${FL_CHECK_DRIVER})
set_tests_properties(preload_check_ours preload_check_preload preload_check_peers
                     preload_check_bad_input PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)
