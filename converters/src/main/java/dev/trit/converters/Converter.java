package dev.trit.converters;

import dev.trit.formats.OutputFiles;
import dev.trit.formats.TensorNames;
import dev.trit.formats.FormatException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code trit convert}: reads a model (HF directory or .gguf), writes it in another layout. Streams
 * tensor by tensor (rows in bounded chunks); output goes to a temporary file or directory beside the
 * destination and is moved into place only when complete.
 */
public final class Converter {
    /** GGUF key of a file trit convert --plan wrote: how many tensors the plan typed (uint32). */
    public static final String PLAN_KEY = "trit.plan.tensors";

    /**
     * What to convert and how.
     *
     * @param archConfig     a config.json whose architecture and fields the output takes instead of what the
     *                       source says (null: the source's own); its shapes must match the source's
     * @param embeddingTypes GGUF targets: types for the token embedding and output matrix (llama-quantize's
     *                       --token-embedding-type / --output-tensor-type)
     * @param plan           null, or per-tensor types (GGUF names) that override the mixture's choice
     *                       ({@code trit convert --plan}); a llama-quantize mixture target only, and every
     *                       tensor named must exist in the source
     */
    public record Options(TargetType type, boolean ternarize, boolean force, boolean keepHfFiles, long maxShardBytes, Path archConfig,
                          EmbeddingTypes embeddingTypes, java.util.Map<String, dev.trit.formats.GgmlType> plan) {
        public Options {
            if (maxShardBytes <= 0) throw new IllegalArgumentException("shard size must be positive");
            if (embeddingTypes == null) embeddingTypes = EmbeddingTypes.DEFAULT;
            embeddingTypes.checkTarget(type);
            if (plan != null && !type.isQuantMix()) throw new IllegalArgumentException("a plan applies to llama-quantize mixture targets (q2_k ... q6_k, q4_0 ...), not " + type.label());
        }

        public Options(TargetType type, boolean ternarize, boolean force, boolean keepHfFiles, long maxShardBytes, Path archConfig,
                       EmbeddingTypes embeddingTypes) {
            this(type, ternarize, force, keepHfFiles, maxShardBytes, archConfig, embeddingTypes, null);
        }

        public Options(TargetType type, boolean ternarize, boolean force, boolean keepHfFiles, long maxShardBytes, Path archConfig) {
            this(type, ternarize, force, keepHfFiles, maxShardBytes, archConfig, EmbeddingTypes.DEFAULT);
        }

        public Options(TargetType type, boolean ternarize, boolean force, boolean keepHfFiles, long maxShardBytes) {
            this(type, ternarize, force, keepHfFiles, maxShardBytes, null);
        }

        public Options(TargetType type, boolean ternarize, boolean force, boolean keepHfFiles) {
            this(type, ternarize, force, keepHfFiles, HfTarget.DEFAULT_MAX_SHARD_BYTES);
        }

        public Options(TargetType type) {
            this(type, false, false, true);
        }
    }

    /** What a conversion did: the tensors written and the bytes of input read. */
    public record Result(Path destination, List<WrittenTensor> tensors, long inputBytes, long outputBytes) {
    }

    private Converter() {
    }

    public static boolean isGguf(Path p) {
        return p.getFileName() != null && p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
    }

    /** Opens any supported source. */
    public static SourceModel open(Path src) throws IOException {
        if (isGguf(src)) return GgufSource.open(src);
        return HfSource.open(src);
    }

    public static Result convert(Path src, Path dst, Options o, Progress progress) throws IOException {
        if (isGguf(dst) != o.type().isGguf()) {
            throw new IllegalArgumentException("type " + o.type().label() + " is a " + (o.type().isGguf() ? "GGUF" : "Hugging Face")
                    + " layout but the destination " + dst + " is " + (isGguf(dst) ? "a .gguf file" : "a directory"));
        }
        Path abs = dst.toAbsolutePath().normalize();
        if (Files.exists(abs) && !o.force()) throw new FileAlreadyExistsException(abs + " exists (use --force to overwrite)");
        if (abs.getParent() == null || !Files.isDirectory(abs.getParent())) throw new FormatException(abs, "its directory does not exist");
        if (abs.equals(src.toAbsolutePath().normalize())) throw new FormatException(abs, "source and destination are the same");
        try (SourceModel opened = open(src)) {
            SourceModel m = prepare(opened, src, o);
            List<WrittenTensor> written;
            // Everything is written inside a hidden work directory beside DST and moved into place at
            // the end; a failure, or the JVM being stopped (shutdown hook), deletes the work directory.
            Path work = OutputFiles.tempDirBeside(abs);
            Thread cleanup = new Thread(() -> {
                // The writer may still be running while shutdown hooks run: tell it to stop, then
                // delete until the work directory is gone (a file created meanwhile makes one pass fail).
                ChunkedWork.STOPPING.set(true);
                for (int i = 0; i < 200 && Files.exists(work); i++) {
                    try {
                        deleteTree(work);
                    } catch (IOException retry) {
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
            Runtime.getRuntime().addShutdownHook(cleanup);
            try {
                if (o.type().isGguf()) {
                    Path file = work.resolve(abs.getFileName());
                    written = GgufTarget.write(m, o.type(), file, progress, o.keepHfFiles(), o.embeddingTypes(), o.plan());
                    Files.move(file, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Path dir = work.resolve("model");
                    Files.createDirectory(dir);
                    written = HfTarget.write(m, o.type(), dir, o.maxShardBytes(), progress);
                    replaceDirectory(dir, abs);
                }
            } finally {
                deleteTree(work);
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or will run
                }
            }
            long in = m.sourceBytes(), out = 0;
            for (WrittenTensor w : written) out += w.outputBytes();
            return new Result(abs, written, in, out);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Checks the source suits the target. For a ternary target, a LLaMA's linears that are already
     * ternary-valued floats (every value trit × scale, scales per tensor or per row/column block, as
     * TriLM stores them) are taken as ternary, exactly; other float linears are refused unless
     * {@code --ternarize} (post-training absmean). I2_S (and Q1_0) hold one scale per tensor, so a
     * tensor with more is refused there.
     */
    static SourceModel prepare(SourceModel m, Path src, Options o) throws IOException {
        if (o.archConfig() != null) m = ArchConfig.apply(m, o.archConfig());
        if (!o.type().isTernary() || m.spec().ternaryLinears()) return m;
        if (o.type() == TargetType.HF_PACKED) {
            throw new FormatException(src, "is a full-precision LLaMA model; the packed layout is BitNetForCausalLM's. "
                    + "Write GGUF tq1_0, tq2_0 or i2_s (with --ternarize) instead");
        }
        int parallel = modelParallel(m.spec());
        List<SourceTensor> ts = new ArrayList<>();
        String firstFloat = null;
        int ternaryValued = 0;
        for (SourceTensor t : m.tensors()) {
            if (!(t instanceof SourceTensor.Floats f) || !TensorNames.isBitLinear(t.name())) {
                ts.add(t);
                continue;
            }
            SourceTensor.Ternary exact = Ternarizer.scaledTernary(f, parallel);
            if (exact != null) {
                ternaryValued++;
                if (exact.scaleCount() > 1 && (o.type() == TargetType.GGUF_I2_S || o.type() == TargetType.GGUF_Q1_0)) {
                    throw new FormatException(src, "tensor " + t.name() + " is ternary with " + exact.scaleCount() + " scales ("
                            + exact.layout().describe() + "); " + o.type().label() + " holds one scale per tensor. Write tq1_0 or tq2_0 instead");
                }
                ts.add(exact);
                continue;
            }
            if (firstFloat == null) firstFloat = t.name();
            ts.add(o.ternarize() ? Ternarizer.ternarize(f) : f);
        }
        if (firstFloat != null && !o.ternarize()) {
            if (ternaryValued == 0) {
                throw new FormatException(src, "is a full-precision LLaMA model, its weights are not ternary; "
                        + o.type().label() + " holds ternary weights only. Add --ternarize for post-training absmean ternarization "
                        + "(far worse than ternary training)");
            }
            throw new FormatException(src, ternaryValued + " linear weights are ternary-valued but " + firstFloat + " is not; "
                    + o.type().label() + " holds ternary weights only. Add --ternarize to ternarize the float ones (absmean)");
        }
        return new SourceModel(m.spec(), m.tokenizer(), m.hfFiles(), ts, m.resource(), m.ggufMetadata());
    }

    /** config.json's pretraining_model_parallel (SpectraSuite's TriLM), 0 if absent. */
    static int modelParallel(ModelSpec spec) throws IOException {
        if (spec.hfConfigJson() == null) return 0;
        return Math.max(0, HfSource.configTree(spec.hfConfigJson()).path("pretraining_model_parallel").asInt(0));
    }

    /** Moves a finished directory onto dst, replacing an old one only after the new one is in place. */
    private static void replaceDirectory(Path tmp, Path dst) throws IOException {
        if (!Files.exists(dst)) {
            Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old = Files.createTempDirectory(dst.getParent(), "." + dst.getFileName() + ".old.");
        Files.delete(old);
        Files.move(dst, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
