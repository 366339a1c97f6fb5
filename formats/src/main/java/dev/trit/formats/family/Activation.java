package dev.trit.formats.family;

/** The gate activation of the gated MLP: down(act(gate(x)) * up(x)). */
public enum Activation {
    /** {@code silu}/{@code swish}: x·σ(x). */
    SILU,
    /** {@code relu2} (BitNet b1.58 2B4T): max(x, 0)². */
    RELU2,
    /** {@code gelu_pytorch_tanh} (Gemma): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    GELU_TANH;

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    public float apply(float x) {
        return switch (this) {
            case SILU -> x / (1f + (float) Math.exp(-x));
            case RELU2 -> Math.max(x, 0f) * Math.max(x, 0f); // torch.relu(x) ** 2, NaN kept as torch keeps it
            case GELU_TANH -> 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (x + 0.044715f * x * x * x)));
        };
    }

    /** transformers' ACT2FN names; IllegalArgumentException for the ones trit does not compute. */
    public static Activation fromHfName(String name) {
        return switch (name) {
            case "silu", "swish" -> SILU;
            case "relu2" -> RELU2;
            case "gelu_pytorch_tanh" -> GELU_TANH;
            default -> throw new IllegalArgumentException("hidden_act " + name + " is not supported (supported: silu, relu2, gelu_pytorch_tanh)");
        };
    }
}
