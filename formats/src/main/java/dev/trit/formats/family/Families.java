package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;
import java.util.Optional;

/** The families trit runs, looked up by a config's architecture or a GGUF's. */
public final class Families {
    public static final List<Family> ALL = List.of(Llama.INSTANCE, Qwen2.INSTANCE, Qwen3.INSTANCE, Gemma3.INSTANCE,
            BitNetB158.INSTANCE, Bitnet1bitLLM.INSTANCE);

    private Families() {
    }

    /** The family of an HF architecture name, if trit has one. */
    public static Optional<Family> forHfArchitecture(String arch) {
        for (Family f : ALL) if (f.hfArchitectures().contains(arch)) return Optional.of(f);
        return Optional.empty();
    }

    /** The family of a GGUF architecture, if trit has one. */
    public static Optional<Family> forGgufArch(String arch) {
        for (Family f : ALL) if (f.ggufArch().equals(arch)) return Optional.of(f);
        return Optional.empty();
    }

    /** The spec of a config.json; IllegalArgumentException naming what is not implemented. */
    public static ModelSpec spec(HfConfig c) {
        if (c.architectures().isEmpty()) throw new IllegalArgumentException("config has no architectures");
        String arch = c.architectures().getFirst();
        Family f = forHfArchitecture(arch).orElseThrow(() -> new IllegalArgumentException("architecture " + arch + " is not supported (supported: "
                + String.join(", ", ALL.stream().flatMap(x -> x.hfArchitectures().stream()).toList()) + ")"));
        return f.fromHf(c);
    }
}
