# The LD_PRELOAD libraries: libfaultline-<backend>.so for each faultline backend, built from
# preload.c over a private copy of the allocator sources. That copy is never sanitized: a
# preloaded malloc cannot run beside the ASan runtime, and the programs it is loaded into are not
# instrumented anyway.
set(FL_PRELOAD_BACKENDS brk mmap hybrid)

add_library(fl_preload_allocs STATIC ${FL_ALLOC_SOURCES})
set_target_properties(fl_preload_allocs PROPERTIES POSITION_INDEPENDENT_CODE ON
                      C_VISIBILITY_PRESET hidden)
target_include_directories(fl_preload_allocs PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
# The backends must never turn their own code into calls to the malloc family they implement.
target_compile_options(fl_preload_allocs PUBLIC -fno-builtin-malloc -fno-builtin-calloc
                       -fno-builtin-realloc -fno-builtin-free)
fl_strip_sanitizers(fl_preload_allocs)

# Only the malloc family leaves the library; everything else (os_*, param_*, backend_*) is local,
# so a preloaded library never shadows the harness's own copies of those symbols.
set(FL_PRELOAD_MAP ${CMAKE_CURRENT_BINARY_DIR}/preload.map)
file(WRITE ${FL_PRELOAD_MAP} "{\n  global:\n    malloc; free; cfree; calloc; realloc; reallocarray;\n    memalign; posix_memalign; aligned_alloc; valloc; pvalloc;\n    malloc_usable_size; mallopt; malloc_trim;\n  local: *;\n};\n")

foreach(b ${FL_PRELOAD_BACKENDS})
  add_library(faultline-${b} SHARED ${CMAKE_CURRENT_SOURCE_DIR}/preload.c)
  target_compile_definitions(faultline-${b} PRIVATE PRELOAD_BACKEND=backend_${b})
  if(b STREQUAL "hybrid")
    target_compile_definitions(faultline-${b} PRIVATE PRELOAD_HYBRID=1)
  endif()
  target_link_libraries(faultline-${b} PRIVATE fl_preload_allocs pthread)
  target_link_options(faultline-${b} PRIVATE -Wl,--version-script=${FL_PRELOAD_MAP}
                      -Wl,--exclude-libs,ALL -Wl,-z,defs)
  set_target_properties(faultline-${b} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}
                        C_VISIBILITY_PRESET hidden LINK_DEPENDS ${FL_PRELOAD_MAP})
  fl_strip_sanitizers(faultline-${b})
endforeach()
