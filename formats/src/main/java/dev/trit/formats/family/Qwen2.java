package dev.trit.formats.family;

import dev.trit.formats.HfConfig;
import java.util.List;

/**
 * {@code Qwen2ForCausalLM}: a LLaMA with biases on q/k/v (none on o_proj), RoPE base 1e6 in practice,
 * sliding-window attention on layers from {@code max_window_layers} on when {@code use_sliding_window}.
 * llama.cpp's arch {@code qwen2}.
 */
public final class Qwen2 implements Family {
    public static final Qwen2 INSTANCE = new Qwen2();

    private Qwen2() {
    }

    @Override
    public String name() {
        return "qwen2";
    }

    @Override
    public String ggufArch() {
        return "qwen2";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Qwen2ForCausalLM");
    }

    @Override
    public ModelSpec fromHf(HfConfig c) {
        SpecBuilder b = new SpecBuilder(this, c, 10000.0, false, 1e-6).activation("hidden_act", "silu");
        b.qkvBias = true;
        slidingLayers(b, c);
        return b.build();
    }

    /** Qwen 2/3: {@code use_sliding_window} makes layers i >= max_window_layers sliding (or layer_types says). */
    static void slidingLayers(SpecBuilder b, HfConfig c) {
        b.understood.addAll(List.of("use_sliding_window", "max_window_layers", "sliding_window"));
        boolean use = b.keys.bool("use_sliding_window").orElse(false);
        var w = b.window("sliding_window");
        if (b.layerTypes(w.orElse(0))) return;
        if (!use) return;
        int window = w.orElseThrow(() -> new IllegalArgumentException("use_sliding_window is true but sliding_window is not set"));
        int from = b.keys.nonNegativeInt(c.raw(), "max_window_layers").orElse(c.numHiddenLayers());
        b.windows = new int[c.numHiddenLayers()];
        for (int i = from; i < b.windows.length; i++) b.windows[i] = window;
    }
}
