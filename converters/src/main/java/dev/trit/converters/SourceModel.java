package dev.trit.converters;

import dev.trit.formats.GgufValue;
import java.util.List;
import java.util.Map;

/**
 * A model opened for conversion: its hyper-parameters, its tokenizer as GGUF {@code tokenizer.ggml.*}
 * metadata, Hugging Face side files (tokenizer.json, tokenizer.model, tokenizer_config.json; by file
 * name) and its tensors in source order. Closing it closes the mapped source files.
 *
 * @param ggufMetadata a GGUF source's key-value pairs as stored, in file order (llama-quantize copies
 *                     them into its output); null for other sources
 */
public record SourceModel(ModelSpec spec, Map<String, GgufValue> tokenizer, Map<String, byte[]> hfFiles,
                          List<SourceTensor> tensors, AutoCloseable resource, Map<String, GgufValue> ggufMetadata) implements AutoCloseable {
    public SourceModel(ModelSpec spec, Map<String, GgufValue> tokenizer, Map<String, byte[]> hfFiles, List<SourceTensor> tensors, AutoCloseable resource) {
        this(spec, tokenizer, hfFiles, tensors, resource, null);
    }

    @Override
    public void close() throws Exception {
        resource.close();
    }

    public long sourceBytes() {
        long n = 0;
        for (SourceTensor t : tensors) n += t.sourceBytes();
        return n;
    }
}
