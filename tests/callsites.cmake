# `faultline exec --callsites`: a program with two named call sites (mmap and brk) attributed
# under glibc and hybrid, call-site totals equal to exec's counters, and the refusal without
# permission; a C++ program's call sites demangled; Python functions named, in the main thread
# and in a second one. The programs are preloaded into, so they are
# not sanitized.
add_executable(callsites_prog ${CMAKE_CURRENT_SOURCE_DIR}/callsites_prog.c)
target_compile_options(callsites_prog PRIVATE -fno-builtin -fno-omit-frame-pointer)
fl_strip_sanitizers(callsites_prog)
# the C++ one: call sites are named demangled (libiberty, see harness/measure/symbolize.c)
add_executable(callsites_cxx_prog ${CMAKE_CURRENT_SOURCE_DIR}/callsites_cxx_prog.cc)
target_compile_options(callsites_cxx_prog PRIVATE -fno-omit-frame-pointer)
fl_strip_sanitizers(callsites_cxx_prog)
set(FL_CALLSITES_SH ${CMAKE_CURRENT_SOURCE_DIR}/test_callsites.sh)
add_test(NAME callsites_cxx
         COMMAND bash ${FL_CALLSITES_SH} cxx ${CMAKE_BINARY_DIR} $<TARGET_FILE:callsites_cxx_prog>)
set_tests_properties(callsites_cxx PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
foreach(b glibc hybrid)
  add_test(NAME callsites_attribution_${b}
           COMMAND bash ${FL_CALLSITES_SH} attribution ${CMAKE_BINARY_DIR} $<TARGET_FILE:callsites_prog> ${b})
  set_tests_properties(callsites_attribution_${b} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
foreach(b glibc hybrid)
  add_test(NAME callsites_python_${b}
           COMMAND bash ${FL_CALLSITES_SH} python ${CMAKE_BINARY_DIR}
                   ${CMAKE_CURRENT_SOURCE_DIR}/callsites_prog.py ${b})
  set_tests_properties(callsites_python_${b} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180)
endforeach()
add_test(NAME callsites_python_threads
         COMMAND bash ${FL_CALLSITES_SH} python-threads ${CMAKE_BINARY_DIR}
                 ${CMAKE_CURRENT_SOURCE_DIR}/callsites_prog.py glibc)
set_tests_properties(callsites_python_threads PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180)
add_test(NAME callsites_python_nocap
         COMMAND bash ${FL_CALLSITES_SH} python-nocap ${CMAKE_BINARY_DIR}
                 ${CMAKE_CURRENT_SOURCE_DIR}/callsites_prog.py glibc)
set_tests_properties(callsites_python_nocap PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180)
foreach(m sort trace denied tails)
  add_test(NAME callsites_${m}
           COMMAND bash ${FL_CALLSITES_SH} ${m} ${CMAKE_BINARY_DIR} $<TARGET_FILE:callsites_prog>)
  set_tests_properties(callsites_${m} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
