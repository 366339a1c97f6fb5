package dev.trit.e2e;

import dev.trit.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Runs the trit CLI in-process, as a user would from the shell, and keeps what it printed. */
record Cli(int exitCode, String out, String err) {
    static final Path ROOT = Path.of(System.getProperty("trit.root", ".")).toAbsolutePath().normalize();
    static final Path FIXTURES = ROOT.resolve("fixtures");
    static final Path SHARED = ROOT.resolve("../shared/fixtures").normalize();

    static Cli run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
}
