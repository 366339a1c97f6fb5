package dev.trit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of the trit command line. Exit codes: 0 success, 1 failure (bad file, failed run),
 * 2 usage error. Failures print one line, "trit: FILE: cause", never a stack trace (set
 * TRIT_DEBUG=1 to see one).
 */
@Command(name = "trit", mixinStandardHelpOptions = true, version = "trit 0.1.0",
        description = "A workbench for 1.58-bit (ternary) language models.",
        subcommands = {CommandLine.HelpCommand.class, InspectCommand.class, ConvertCommand.class, BenchConvertCommand.class,
                PplCommand.class, GenerateCommand.class, LogitsCommand.class, KldCommand.class, McCommand.class,
                CompareCommand.class, BenchCommand.class, SynthCommand.class, AnalyzeCommand.class, GateCommand.class,
                ReportCommand.class, DemoCommand.class, ActivationsCommand.class, SensitivityCommand.class, PlanCommand.class,
                EvalCommand.class, MergeCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0, FAILURE = 1, USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args));
    }

    /** Runs the CLI with the given streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(Main::exitCodeOf);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            err.println("trit: " + oneLine(ex));
            if (System.getenv("TRIT_DEBUG") != null) ex.printStackTrace(err);
            err.flush();
            return exitCodeOf(ex);
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static int exitCodeOf(Throwable ex) {
        if (ex instanceof UsageException || ex instanceof CommandLine.ParameterException) return USAGE;
        return FAILURE;
    }

    /** The message a user should see: the cause chain folded to one line. */
    static String oneLine(Throwable ex) {
        Throwable t = ex;
        if (t instanceof UncheckedIOException u && u.getCause() != null) t = u.getCause();
        String msg = t.getMessage();
        if (t instanceof OutOfMemoryError) msg = "out of memory: " + msg;
        else if (!(t instanceof IOException || t instanceof UsageException || t instanceof FailureException)) {
            msg = t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
        }
        return msg == null ? t.getClass().getSimpleName() : msg.replace('\n', ' ');
    }

    /** A bad combination of arguments that picocli cannot see by itself: exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    /** A run that failed for a reason already phrased for the user: exit code 1. */
    public static final class FailureException extends RuntimeException {
        public FailureException(String message) {
            super(message);
        }
    }

}
