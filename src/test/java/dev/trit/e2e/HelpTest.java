package dev.trit.e2e;

import dev.trit.cli.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every command's --help: exit 0, its usage on stdout, nothing on stderr. picocli formats descriptions as
 * format strings, so a bare '%' (gate's "rise <= 2%") printed warnings on the process's stderr and left the
 * text unformatted.
 */
class HelpTest {
    @Test
    void everyCommandsHelpIsClean() {
        List<String> names = List.copyOf(new CommandLine(new Main()).getSubcommands().keySet());
        assertTrue(names.size() > 20, names::toString);
        PrintStream saved = System.err;
        ByteArrayOutputStream processErr = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(processErr, true, StandardCharsets.UTF_8)); // picocli's tracer writes there
            for (String name : names) {
                Cli r = Cli.run(name, "--help");
                assertEquals(0, r.exitCode(), name + ": " + r);
                assertTrue(r.out().contains("Usage: trit " + name), name + ": " + r);
                assertEquals("", r.err(), name);
                assertFalse(r.out().contains("%n"), name + ": an unformatted description\n" + r.out());
            }
        } finally {
            System.setErr(saved);
        }
        assertEquals("", processErr.toString(StandardCharsets.UTF_8));
    }
}
