// The header test compiled as C++ (extern "C", no C-only constructs).
#include "header_test.c"
