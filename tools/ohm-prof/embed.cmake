# embed.cmake — a file as a C string: cmake -DIN=f.html -DOUT=f.c -DNAME=sym -P embed.cmake
# writes `const char sym[]` holding IN's bytes and a terminating NUL (as hex, so any
# byte of the template is kept as it is).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" hex "${hex}")
get_filename_component(base "${IN}" NAME)
file(WRITE "${OUT}" "/* generated from ${base} by embed.cmake: do not edit */\n#include \"prof.h\"\nconst char ${NAME}[] = {\n${hex}0x00};\n")
