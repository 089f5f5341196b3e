# WALLOC_SANITIZE selects a sanitizer build for everything in the tree:
#   ""                  plain build
#   "address;undefined" AddressSanitizer + UndefinedBehaviorSanitizer (the allocator also
#                       poisons free blocks inside its region, see native/src/poison.h)
#   "thread"            ThreadSanitizer
set(WALLOC_SANITIZE "" CACHE STRING "Sanitizers: empty, 'address;undefined' or 'thread'")
if(WALLOC_SANITIZE)
  string(REPLACE ";" "," _walloc_san "${WALLOC_SANITIZE}")
  add_compile_options(-fsanitize=${_walloc_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_walloc_san})
  message(STATUS "walloc: sanitizers ${_walloc_san}")
endif()
