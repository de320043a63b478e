# libfaultline-trace.so: the LD_PRELOAD malloc tracer (preload_trace.c, its id map in
# preload_trace_map.c). Not sanitized (it is loaded into uninstrumented programs) and linked to
# nothing of ours: it only forwards to libc.
add_library(faultline-trace SHARED ${CMAKE_CURRENT_SOURCE_DIR}/preload_trace.c
            ${CMAKE_CURRENT_SOURCE_DIR}/preload_trace_map.c)
target_include_directories(faultline-trace PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
# The wrappers must never be turned back into calls of the functions they define.
target_compile_options(faultline-trace PRIVATE -fno-builtin-malloc -fno-builtin-calloc
                       -fno-builtin-realloc -fno-builtin-free)
set(FL_TRACE_MAP ${CMAKE_CURRENT_BINARY_DIR}/preload_trace.map)
file(WRITE ${FL_TRACE_MAP} "{\n  global:\n    malloc; free; cfree; calloc; realloc; reallocarray;\n    memalign; posix_memalign; aligned_alloc; valloc; pvalloc;\n  local: *;\n};\n")
target_link_libraries(faultline-trace PRIVATE pthread dl)
target_link_options(faultline-trace PRIVATE -Wl,--version-script=${FL_TRACE_MAP} -Wl,-z,defs)
set_target_properties(faultline-trace PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}
                      C_VISIBILITY_PRESET hidden LINK_DEPENDS ${FL_TRACE_MAP})
foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
  get_target_property(opts faultline-trace ${prop})
  if(opts)
    list(FILTER opts EXCLUDE REGEX "sanitize")
    set_target_properties(faultline-trace PROPERTIES ${prop} "${opts}")
  endif()
endforeach()
