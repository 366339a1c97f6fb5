package dev.trit.cli;

import dev.trit.converters.EmbeddingTypes;
import picocli.CommandLine.Option;

/** llama-quantize's --output-tensor-type / --token-embedding-type, shared by convert and synth (a picocli mixin). */
final class EmbeddingTypeOptions {
    @Option(names = "--output-tensor-type", paramLabel = "T",
            description = "GGUF output: type of the output (LM head) matrix, which is token_embd when the embeddings are tied: "
                    + "f32, f16, bf16, q8_0, q4_0 or q6_k (as llama-quantize's option, whose default for tq1_0/tq2_0 is q6_k; "
                    + "default here: as llama.cpp's converter, f16)")
    String outputType;

    @Option(names = "--token-embedding-type", paramLabel = "T",
            description = "GGUF output: type of token_embd when it is not also the output matrix (f32, f16, bf16, q8_0, q4_0, q6_k)")
    String embeddingType;

    /** The chosen types; an unknown name, or either option with a non-GGUF output, is a usage error. */
    EmbeddingTypes forOutput(boolean gguf) {
        EmbeddingTypes t;
        try {
            t = new EmbeddingTypes(EmbeddingTypes.parse(embeddingType), EmbeddingTypes.parse(outputType));
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        if (!gguf && !t.equals(EmbeddingTypes.DEFAULT)) throw new Main.UsageException("--output-tensor-type and --token-embedding-type apply to .gguf outputs");
        return t;
    }
}
