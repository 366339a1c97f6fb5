// The four ggml.c functions ggml-quants.c needs, for the types GgmlQuantsOracleTest covers (ids from ggml.h).
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stddef.h>
void ggml_abort(const char * file, int line, const char * fmt, ...) { fprintf(stderr, "abort %s:%d\n", file, line); abort(); }
static int bs(int t) { return (t==10||t==11||t==12||t==13||t==14) ? 256 : 32; }
static size_t by(int t) { switch (t) { case 2: return 18; case 3: return 20; case 6: return 22; case 7: return 24; case 10: return 84; case 11: return 110; case 12: return 144; case 13: return 176; case 14: return 210; case 20: return 18; } return 0; }
size_t ggml_row_size(int type, int64_t ne) { return by(type) * ne / bs(type); }
const char * ggml_type_name(int t) { return "?"; }
size_t ggml_type_size(int t) { return by(t); }
