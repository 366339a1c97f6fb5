package dev.trit.converters;

/**
 * One tensor as converted, for the summary table: its name in the output, input and output storage
 * type, element count and bytes on each side, and a note when the tensor did not get the type asked
 * for (a ternary-valued tensor the block type cannot hold exactly, written in its float type; in a
 * llama-quantize mixture, rows that are not whole blocks of the chosen type), else null.
 */
public record WrittenTensor(String name, String inputType, long inputBytes, String outputType, long outputBytes, long elements, String note) {
    public WrittenTensor(String name, String inputType, long inputBytes, String outputType, long outputBytes, long elements) {
        this(name, inputType, inputBytes, outputType, outputBytes, elements, null);
    }
}
