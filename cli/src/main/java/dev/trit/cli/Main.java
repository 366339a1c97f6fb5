package dev.trit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the trit command line. */
@Command(name = "trit", mixinStandardHelpOptions = true, version = "trit 0.1.0",
        description = "A workbench for 1.58-bit (ternary) language models.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code: 0 ok, 1 failure, 2 usage error. */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }
}
