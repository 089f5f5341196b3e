# The core's external symbols, checked (CTest: core_symbols_prefixed; tests/native/CMakeLists.txt).
#
# libwalloc.a is linked into every C user's program, so a bare internal name (tier_init,
# span_create, platform_commit) would collide with the user's own. Every symbol the library
# defines with external linkage must therefore be either a name of the public API (an identifier
# walloc_... declared in native/include: walloc.h, walloc_gate.h) or carry the core's internal
# prefix wl_.
#
#   cmake -DNM=<nm> -DLIB=<libwalloc.a> -DINCLUDE_DIR=<native/include> -P CheckCoreSymbols.cmake
#
# Names the toolchain derives from a symbol are checked as that symbol: MinGW's emulated TLS
# (__emutls_v.x, __emutls_t.x) and .refptr.x stubs, ASan's ODR indicators (__odr_asan_gen_x,
# __odr_asan.x); Mach-O's leading underscore is dropped.
foreach(var NM LIB INCLUDE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckCoreSymbols.cmake: -D${var}= is required")
  endif()
endforeach()

file(GLOB headers "${INCLUDE_DIR}/*.h")
set(api "")
foreach(h ${headers})
  file(READ "${h}" text)
  string(REGEX MATCHALL "walloc_[A-Za-z0-9_]+" names "${text}")
  list(APPEND api ${names})
endforeach()
list(REMOVE_DUPLICATES api)

execute_process(COMMAND "${NM}" -g -P --defined-only "${LIB}"
                OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIB}: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(bare "")
set(count 0)
foreach(line IN LISTS lines)
  # POSIX format: "name type value size"; archive member headers ("lib.a[x.o]:") have no type.
  if(NOT line MATCHES "^([^ ]+) ([A-Za-z]) ")
    continue()
  endif()
  set(name "${CMAKE_MATCH_1}")
  if(CMAKE_MATCH_2 MATCHES "^[a-z]$" AND NOT CMAKE_MATCH_2 STREQUAL "u" AND NOT CMAKE_MATCH_2 STREQUAL "i")
    continue() # local (nm -g keeps some, e.g. weak locals on some targets)
  endif()
  string(REGEX REPLACE "^(__emutls_[vt]\\.|\\.refptr\\.|__odr_asan_gen_|__odr_asan\\.)" "" name "${name}")
  if(APPLE)
    string(REGEX REPLACE "^_" "" name "${name}")
  endif()
  math(EXPR count "${count} + 1")
  if(name MATCHES "^wl_")
    continue()
  endif()
  list(FIND api "${name}" at)
  if(at EQUAL -1)
    list(APPEND bare "${name}")
  endif()
endforeach()

if(count EQUAL 0)
  message(FATAL_ERROR "no external symbols read from ${LIB} (nm output format?)")
endif()
if(bare)
  list(REMOVE_DUPLICATES bare)
  list(JOIN bare "\n  " shown)
  message(FATAL_ERROR "libwalloc exports symbols that are neither public API (native/include) "
                      "nor prefixed wl_:\n  ${shown}")
endif()
message(STATUS "${count} external symbols of ${LIB}: public API or wl_")
