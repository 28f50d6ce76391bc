# cmake -DSPV=in.spv -DCPP=out.cpp -DSYMBOL=name -P EmbedSpirv.cmake: writes the SPIR-V words as a C++ array.
file(READ ${SPV} hex HEX)
string(LENGTH "${hex}" length)
math(EXPR remainder "${length} % 8")
if(NOT remainder EQUAL 0 OR length EQUAL 0)
  message(FATAL_ERROR "${SPV}: not a whole number of 32-bit words")
endif()
math(EXPR words "${length} / 8")
# SPIR-V is little-endian on disk: bytes b0 b1 b2 b3 form the word 0xb3b2b1b0.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," body "${hex}")
file(WRITE ${CPP} "#include <cstddef>\n#include <cstdint>\nextern const std::uint32_t ${SYMBOL}[] = {${body}};\nextern const std::size_t ${SYMBOL}Words = ${words};\n")
