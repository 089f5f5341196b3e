# Cross-build for windows-x86_64 with Debian's MinGW-w64 (the posix thread model, whose
# winpthreads gives the core the same pthread calls as on Linux). Binaries run under wine64,
# which CTest and gtest_discover_tests use as the emulator.
#   cmake -S . -B build/windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-windows-x86_64.cmake
#
# The C core is compiled by clang for the MinGW target: clang gives Windows' native thread-local
# storage, while MinGW gcc emulates it (emutls), with a call per access on the fast path and
# thread data freed before winpthreads runs the thread-exit hook that returns a thread's cache
# (ThreadStress.ExitingThreadsGiveTheirCachesBack fails with gcc). C++ (Google Test and the
# tests) is MinGW g++. Everything is linked statically: no MinGW DLLs needed at run time.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(CMAKE_C_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET x86_64-w64-mingw32)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# clang links C targets (the JNI DLL) with MinGW's ld but does not know where gcc's runtime is.
file(GLOB _walloc_mingw_gcc_lib /usr/lib/gcc/x86_64-w64-mingw32/*-posix)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -L${_walloc_mingw_gcc_lib}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static -L${_walloc_mingw_gcc_lib}")
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/lib/wine/wine64)
