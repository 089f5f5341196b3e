# walloc_warnings(target): the warning set every target of ours compiles with.
function(walloc_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-align -Wwrite-strings
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Wmissing-prototypes>
    -Wno-unused-parameter)
endfunction()
