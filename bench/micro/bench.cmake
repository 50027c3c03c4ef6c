# Micro benchmarks: every bench/micro/<name>.c is a program bench_<name>
# built with the library (internal headers visible). Built, never run, by
# ctest; run them by hand on a quiet machine (release preset).
file(GLOB SH_MICRO_BENCH CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bench/micro/*.c)
foreach(b ${SH_MICRO_BENCH})
  get_filename_component(name ${b} NAME_WE)
  add_executable(bench_${name} ${b})
  target_include_directories(bench_${name} PRIVATE ${CMAKE_SOURCE_DIR}/src/lib)
  target_link_libraries(bench_${name} PRIVATE salthunt_lib)
  target_compile_options(bench_${name} PRIVATE ${SH_WARNINGS})
endforeach()
