package dev.trit.converters;

/**
 * One tensor as converted, for the summary table: its name in the output, input and output storage
 * type, element count and bytes on each side.
 */
public record WrittenTensor(String name, String inputType, long inputBytes, String outputType, long outputBytes, long elements) {
}
