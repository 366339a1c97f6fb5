package dev.trit.engine;

/** The gate activation of the gated MLP: down(act(gate(x)) * up(x)). */
public enum Activation {
    SILU, RELU2;

    public float apply(float x) {
        return switch (this) {
            case SILU -> x / (1f + (float) Math.exp(-x));
            case RELU2 -> x > 0 ? x * x : 0f;
        };
    }

    public static Activation fromHfName(String name) {
        return switch (name) {
            case "silu", "swish" -> SILU;
            case "relu2" -> RELU2;
            default -> throw new IllegalArgumentException("unsupported hidden_act " + name);
        };
    }
}
