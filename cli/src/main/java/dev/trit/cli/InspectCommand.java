package dev.trit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code trit inspect}: what a model file holds, as a table or as one JSON object. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show architecture, hyper-parameters, tokenizer and tensors of a model.",
                "PATH is a .safetensors file, a Hugging Face model directory (single or sharded) or a .gguf file.",
                "Shapes are shown as each format's tools report them: safetensors row-major, GGUF in ne order."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "model file or directory")
    Path path;

    @Option(names = "--json", description = "print one JSON object: format, metadata, tensors, total_bytes, parameters")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Inspection ins = Inspection.of(path);
        PrintWriter out = spec.commandLine().getOut();
        if (json) printJson(ins, out);
        else printTable(ins, out);
        out.flush();
        return Main.OK;
    }

    private static void printJson(Inspection ins, PrintWriter out) throws Exception {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("format", ins.format());
        root.put("path", ins.path().toString());
        root.set("metadata", ins.metadata());
        ArrayNode ts = root.putArray("tensors");
        for (Inspection.Row r : ins.tensors()) {
            ObjectNode t = ts.addObject();
            t.put("name", r.name());
            t.put("dtype", r.dtype());
            ArrayNode shape = t.putArray("shape");
            for (long d : r.shape()) shape.add(d);
            t.put("bytes", r.bytes());
            t.put("parameters", r.parameters());
        }
        root.put("tensor_count", ins.tensors().size());
        root.put("total_bytes", ins.totalBytes());
        root.put("parameters", ins.parameters());
        out.println(m.writeValueAsString(root));
    }

    private static void printTable(Inspection ins, PrintWriter out) {
        out.println(ins.path());
        int w = ins.summary().keySet().stream().mapToInt(String::length).max().orElse(0);
        ins.summary().forEach((k, v) -> out.printf("  %-" + w + "s  %s%n", k, v));
        out.println();
        int nw = Math.max(4, ins.tensors().stream().mapToInt(r -> r.name().length()).max().orElse(4));
        String fmt = "%-" + nw + "s  %-7s  %-16s  %12s  %7s%n";
        out.printf(fmt, "name", "dtype", "shape", "bytes", "bits/w");
        for (Inspection.Row r : ins.tensors()) {
            String shape = Arrays.stream(r.shape()).mapToObj(Long::toString).collect(Collectors.joining("x"));
            out.printf(fmt, r.name(), r.dtype(), shape.isEmpty() ? "scalar" : shape, r.bytes(),
                    String.format(Locale.ROOT, "%.3f", r.bitsPerWeight()));
        }
        out.println();
        Map<String, long[]> byType = new TreeMap<>();
        for (Inspection.Row r : ins.tensors()) {
            long[] acc = byType.computeIfAbsent(r.dtype(), k -> new long[3]);
            acc[0]++;
            acc[1] += r.bytes();
            acc[2] += r.parameters();
        }
        byType.forEach((type, a) -> out.printf(Locale.ROOT, "  %-7s %4d tensors  %,14d bytes  %,14d params  %.3f bits/w%n",
                type, a[0], a[1], a[2], a[2] == 0 ? 0 : 8.0 * a[1] / a[2]));
        long bytes = ins.totalBytes(), params = ins.parameters();
        out.printf(Locale.ROOT, "  total   %4d tensors  %,14d bytes  %,14d params  %.3f bits/w%n",
                ins.tensors().size(), bytes, params, params == 0 ? 0 : 8.0 * bytes / params);
    }
}
