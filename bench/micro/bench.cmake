# Micro benchmarks built as programs (never run by ctest): each listed
# bench/micro/<name>.c becomes bench_<name>, linked with the library with
# internal headers visible. Run them by hand, ideally from the release
# preset: cmake --build build/release --target bench_syslog_parse.
set(SH_MICRO_BENCH syslog_parse)
foreach(name ${SH_MICRO_BENCH})
  add_executable(bench_${name} ${CMAKE_SOURCE_DIR}/bench/micro/${name}.c)
  target_include_directories(bench_${name} PRIVATE ${CMAKE_SOURCE_DIR}/src/lib)
  target_link_libraries(bench_${name} PRIVATE salthunt_lib)
  target_compile_options(bench_${name} PRIVATE ${SH_WARNINGS})
endforeach()
