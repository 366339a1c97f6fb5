package dev.trit.converters;

import java.nio.file.Path;

/** Runs one conversion; the streaming tests start it in a child JVM with a small heap. */
public final class ConvertMain {
    public static void main(String[] args) throws Exception {
        TargetType t = TargetType.parse(args[2], Converter.isGguf(Path.of(args[1]))).orElseThrow();
        Converter.Result r = Converter.convert(Path.of(args[0]), Path.of(args[1]), new Converter.Options(t), Progress.NONE);
        System.out.println("converted " + r.inputBytes() + " -> " + r.outputBytes() + " bytes; max heap " + Runtime.getRuntime().maxMemory());
    }
}
