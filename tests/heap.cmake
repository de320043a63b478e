# Tests of the break-based heap core and its two backends, brk and hybrid (owner: heap).
foreach(t heap_random heap_policy brk_trim)
  add_executable(test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
  target_link_libraries(test_${t} fl_allocators pthread)
  string(REGEX REPLACE "^heap_" "" short ${t})
  add_test(NAME heap_${short} COMMAND test_${t})
  set_tests_properties(heap_${short} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()

# The glibc comparison runs glibc's own malloc, so it must not be built with ASan (which would
# replace it): the few allocator sources it needs are compiled in without sanitizers.
add_executable(test_hybrid_glibc ${CMAKE_CURRENT_SOURCE_DIR}/test_hybrid_glibc.c
  ${CMAKE_SOURCE_DIR}/allocators/heap.c
  ${CMAKE_SOURCE_DIR}/allocators/heap_sys.c ${CMAKE_SOURCE_DIR}/allocators/hybrid.c
  ${CMAKE_SOURCE_DIR}/allocators/twin.c ${CMAKE_SOURCE_DIR}/allocators/twin_sys.c
  ${CMAKE_SOURCE_DIR}/allocators/chunk.c ${CMAKE_SOURCE_DIR}/allocators/ledger.c
  ${CMAKE_SOURCE_DIR}/allocators/os.c ${CMAKE_SOURCE_DIR}/allocators/param.c)
target_include_directories(test_hybrid_glibc PRIVATE ${CMAKE_SOURCE_DIR}/allocators)
target_compile_options(test_hybrid_glibc PRIVATE -fno-sanitize=all)
target_link_options(test_hybrid_glibc PRIVATE -fno-sanitize=all)
add_test(NAME heap_hybrid_glibc COMMAND test_hybrid_glibc)
set_tests_properties(heap_hybrid_glibc PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
