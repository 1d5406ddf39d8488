/* The exec stub's bytes (runtime/exec_stub.c, built static and embedded by Makefile.am). */
#pragma once

extern const unsigned char exec_stub_bin[];
extern const unsigned long exec_stub_len;
