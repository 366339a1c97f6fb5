package dev.trit.cli;

import dev.trit.engine.ActivationMode;
import picocli.CommandLine.Option;

/** {@code --activations float|llama-cpp} (a picocli mixin of the commands that score a model). */
final class ActivationsOption {
    @Option(names = "--activations", paramLabel = "MODE", defaultValue = "float",
            description = "how quantized/F16 weights meet their activations: float (default: dequantized weights times float activations)"
                    + " or llama-cpp (as llama.cpp's CPU backend: activations rounded to the weight type's vec_dot_type first,"
                    + " Q8_0/Q8_1 blocks of 32 or Q8_K blocks of 256, fp16 for F16 weights)")
    String activations = "float";

    ActivationMode mode() {
        try {
            return ActivationMode.parse(activations);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--activations: " + e.getMessage());
        }
    }

}
