# Declares the project's libraries, services, tools, their tests and their benchmarks.
#
#   octo_library(NAME store SRCS src/a.cpp DEPS octo::common PRIVATE_DEPS PkgConfig::PQXX)
#     -> target octo_store, alias octo::store, public headers in include/.
#   octo_service(NAME reflex BINARY octo-reflex SRCS src/a.cpp DEPS octo::rpc
#                MAIN src/main.cpp src/options.cpp)
#     -> object library octo_reflex_lib (shared with tests; includes relative to the
#        service folder, "src/a.h") and the executable octo-reflex built from MAIN.
#   octo_tool(NAME octoctl SRCS main.cpp DEPS octo::rpc)
#     -> executable octoctl. With LIB octo_bench_lib LIB_SRCS load.cpp LIB_DEPS ...
#        LIB_PRIVATE_DEPS ...: also that static library (includes relative to the tool
#        folder, shared with tests), linked into the executable.
#   octo_test(NAME store_pool SRCS pool_test.cpp DEPS octo::store LABELS unit)
#     -> executable registered with ctest, labelled, with gtest_main.
#   octo_benchmark(NAME reflex_scan SRCS scan_benchmark.cpp DEPS octo::safety)
#     -> Google Benchmark executable, registered with label perf.

set(OCTO_WARNINGS -Wall -Wextra -Wpedantic -Wno-unused-parameter -Wnon-virtual-dtor
    -Wimplicit-fallthrough)

function(octo_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target octo_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS})
  add_library(octo::${ARG_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_options(${target} PRIVATE ${OCTO_WARNINGS})
endfunction()

# Service and tool executables know the project version as OCTO_VERSION.
function(octo_executable target)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${target} ${ARG_SRCS})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS})
  target_compile_options(${target} PRIVATE ${OCTO_WARNINGS})
  target_compile_definitions(${target} PRIVATE OCTO_VERSION="${PROJECT_VERSION}")
endfunction()

function(octo_service)
  cmake_parse_arguments(ARG "" "NAME;BINARY" "SRCS;MAIN;DEPS;PRIVATE_DEPS" ${ARGN})
  set(lib octo_${ARG_NAME}_lib)
  add_library(${lib} OBJECT ${ARG_SRCS})
  target_include_directories(${lib} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${lib} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_options(${lib} PRIVATE ${OCTO_WARNINGS})
  octo_executable(${ARG_BINARY} SRCS ${ARG_MAIN} DEPS ${lib})
endfunction()

function(octo_tool)
  cmake_parse_arguments(ARG "" "NAME;LIB" "SRCS;DEPS;LIB_SRCS;LIB_DEPS;LIB_PRIVATE_DEPS" ${ARGN})
  if(ARG_LIB)
    add_library(${ARG_LIB} STATIC ${ARG_LIB_SRCS})
    target_include_directories(${ARG_LIB} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(${ARG_LIB} PUBLIC ${ARG_LIB_DEPS} PRIVATE ${ARG_LIB_PRIVATE_DEPS})
    target_compile_options(${ARG_LIB} PRIVATE ${OCTO_WARNINGS})
  endif()
  octo_executable(${ARG_NAME} SRCS ${ARG_SRCS} DEPS ${ARG_LIB} ${ARG_DEPS})
endfunction()

# An executable `target` registered with ctest as NAME, run with ARGS.
function(octo_registered_test target)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS;ARGS" ${ARGN})
  add_executable(${target} ${ARG_SRCS})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS})
  target_compile_options(${target} PRIVATE ${OCTO_WARNINGS})
  add_test(NAME ${ARG_NAME} COMMAND ${target} ${ARG_ARGS})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# LABELS: unit | integration | e2e | perf. TIMEOUT in seconds (default 120).
function(octo_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT OCTO_BUILD_TESTS)
    return()
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  octo_registered_test(test_${ARG_NAME} NAME ${ARG_NAME} SRCS ${ARG_SRCS}
                       DEPS ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main
                       LABELS ${ARG_LABELS} TIMEOUT ${ARG_TIMEOUT})
endfunction()

# Registered with ctest in a short mode (label perf) so benchmarks keep compiling and running.
function(octo_benchmark)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;ARGS" ${ARGN})
  if(NOT OCTO_BUILD_TESTS)
    return()
  endif()
  octo_registered_test(bench_${ARG_NAME} NAME bench_${ARG_NAME} SRCS ${ARG_SRCS}
                       DEPS ${ARG_DEPS} benchmark::benchmark LABELS perf TIMEOUT 300
                       ARGS --benchmark_min_time=0.01 ${ARG_ARGS})
endfunction()
