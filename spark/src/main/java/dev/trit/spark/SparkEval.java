package dev.trit.spark;

import dev.trit.cli.Main;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs an evaluation plan on Apache Spark: the plan's N shards ({@code trit eval PLAN --shard i/N})
 * are N Spark tasks, each running trit's engine in its executor on the model files of shared storage
 * and writing its journals to OUT/shard-i (with --resume, so a retried task continues its own journal);
 * the driver then merges them ({@code trit merge}) into OUT/results.arrow: the numbers of one
 * unsharded run.
 *
 * <pre>SparkEval PLAN OUT SHARDS [THREADS_PER_TASK]</pre>
 * The master comes from spark.master (spark-submit --master ...), else local[2].
 */
public final class SparkEval {
    private SparkEval() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: SparkEval PLAN OUT SHARDS [THREADS_PER_TASK]");
            System.exit(Main.USAGE);
        }
        SparkConf conf = new SparkConf().setAppName("trit eval " + args[0]).setIfMissing("spark.master", "local[2]");
        int code = run(conf, Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 1,
                new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        System.exit(code);
    }

    /** Runs the shards as Spark tasks, merges them; returns trit merge's exit code. */
    public static int run(SparkConf conf, Path plan, Path out, int shards, int threads, PrintWriter stdout) {
        String planFile = plan.toAbsolutePath().normalize().toString(), dir = out.toAbsolutePath().normalize().toString();
        List<String> dirs;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            dirs = sc.parallelize(IntStream.range(0, shards).boxed().toList(), shards).map(i -> {
                String shardDir = Path.of(dir, "shard-" + i).toString();
                StringWriter o = new StringWriter(), e = new StringWriter();
                int rc = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), "eval", planFile, "--out", shardDir,
                        "--shard", i + "/" + shards, "--resume", "--threads", Integer.toString(threads));
                if (rc != 0) throw new IllegalStateException("trit eval --shard " + i + "/" + shards + " exited " + rc + ": " + e);
                return shardDir;
            }).collect();
        }
        List<String> args = new ArrayList<>(List.of("merge"));
        args.addAll(dirs);
        args.addAll(List.of("--out", dir));
        return Main.run(stdout, new PrintWriter(System.err, true, StandardCharsets.UTF_8), args.toArray(String[]::new));
    }
}
