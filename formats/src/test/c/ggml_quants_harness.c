// Runs ggml's own row codecs on a file, for GgmlQuantsOracleTest (see its comment for how to build):
//   ggml_quants_harness TYPE dq BLOCKS_IN FLOATS_OUT   dequantize_row_<type> over the whole file
//   ggml_quants_harness TYPE q FLOATS_IN BLOCKS_OUT     quantize_<type>(rows of 256, no importance matrix),
//                                                      the call llama-quantize makes through ggml_quantize_chunk
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "ggml.h"
#include "ggml-quants.h"

static void * slurp(const char * p, size_t * n) {
    FILE * f = fopen(p, "rb"); fseek(f, 0, SEEK_END); *n = ftell(f); fseek(f, 0, SEEK_SET);
    void * b = malloc(*n ? *n : 1); fread(b, 1, *n, f); fclose(f); return b;
}
static void spit(const char * p, const void * b, size_t n) { FILE * f = fopen(p, "wb"); fwrite(b, 1, n, f); fclose(f); }

int main(int argc, char ** argv) {
    const char * t = argv[1], * mode = argv[2];
    size_t n; void * in = slurp(argv[3], &n);
    struct { const char * name; int qk, bytes; void (*dq)(const void*, float*, int64_t); size_t (*q)(const float*, void*, int64_t, int64_t, const float*); } T[] = {
        {"Q4_0", 32, 18, (void*)dequantize_row_q4_0, quantize_q4_0},
        {"Q4_1", 32, 20, (void*)dequantize_row_q4_1, quantize_q4_1},
        {"Q5_0", 32, 22, (void*)dequantize_row_q5_0, quantize_q5_0},
        {"Q5_1", 32, 24, (void*)dequantize_row_q5_1, quantize_q5_1},
        {"Q2_K", 256, 84, (void*)dequantize_row_q2_K, quantize_q2_K},
        {"Q3_K", 256, 110, (void*)dequantize_row_q3_K, quantize_q3_K},
        {"Q4_K", 256, 144, (void*)dequantize_row_q4_K, quantize_q4_K},
        {"Q5_K", 256, 176, (void*)dequantize_row_q5_K, quantize_q5_K},
        {"Q6_K", 256, 210, (void*)dequantize_row_q6_K, quantize_q6_K},
        {"IQ4_NL", 32, 18, (void*)dequantize_row_iq4_nl, quantize_iq4_nl},
    };
    for (int i = 0; i < 10; i++) if (!strcmp(T[i].name, t)) {
        if (!strcmp(mode, "dq")) {
            int64_t nb = n / T[i].bytes; float * y = malloc(nb * T[i].qk * 4);
            T[i].dq(in, y, nb * T[i].qk); spit(argv[4], y, nb * T[i].qk * 4);
        } else {
            int64_t k = n / 4; int64_t nb = k / T[i].qk; void * y = malloc(nb * T[i].bytes);
            T[i].q(in, y, k / 256, 256, NULL); spit(argv[4], y, nb * T[i].bytes);
        }
        return 0;
    }
    return 2;
}
