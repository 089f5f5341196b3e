# Cross-build for linux-aarch_64 with Debian's gcc-aarch64-linux-gnu; binaries run under
# qemu-aarch64 (Debian's qemu-user), which CTest and gtest_discover_tests use as the emulator.
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-linux-aarch_64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The loader and the C library must come from the same glibc: with -L alone, the cross loader in
# /usr/aarch64-linux-gnu finds multiarch's /lib/aarch64-linux-gnu/libc.so.6 first once
# libc6:arm64 is installed (the arm64 JRE brings it), and threaded tests then hang.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
