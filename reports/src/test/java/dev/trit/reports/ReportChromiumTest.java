package dev.trit.reports;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end: the report page rendered by a real browser (headless Chromium, Debian's "chromium"
 * package), checking that every image loaded. Skipped, saying so, when chromium is not installed.
 */
class ReportChromiumTest {
    static Path chromium() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            for (String name : new String[]{"chromium", "chromium-browser"}) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    @Test
    void everyImageLoadsInChromium(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        Assumptions.assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium); browser test skipped");
        ReportBuilder.Report r = ReportBuilder.build(ReportBuilderTest.mixed(), dir.resolve("report"));
        // The page's only script sorts its tables; a copy beside it gets a probe that lists, after load, each
        // image's natural width (0 for an image that failed to load).
        String page = Files.readString(dir.resolve("report/index.html"));
        String probe = """
                <script>
                window.addEventListener('load', function () {
                  var out = [];
                  for (var i = 0; i < document.images.length; i++) {
                    var im = document.images[i];
                    out.push(im.getAttribute('src') + '=' + (im.complete ? im.naturalWidth : -1));
                  }
                  var pre = document.createElement('pre');
                  pre.id = 'trit-image-check';
                  pre.textContent = out.join(' ');
                  document.body.appendChild(pre);
                });
                </script>
                </body>""";
        Path check = dir.resolve("report/check.html");
        Files.writeString(check, page.replace("</body>", probe));
        Path profile = Files.createDirectories(dir.resolve("profile"));
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom",
                check.toUri().toString()));
        Path dom = dir.resolve("dom.html"), log = dir.resolve("chromium.log");
        Process p = new ProcessBuilder(cmd).redirectOutput(dom.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 120 s");
        }
        String out = Files.readString(dom);
        Matcher m = Pattern.compile("<pre id=\"trit-image-check\">([^<]*)</pre>").matcher(out);
        assertTrue(m.find(), "no image check in chromium's DOM (exit " + p.exitValue() + "): " + Files.readString(log));
        String[] images = m.group(1).trim().split(" ");
        assertEquals(r.charts().size(), images.length, m.group(1));
        for (String im : images) {
            String[] kv = im.split("=");
            assertEquals("900", kv[1], kv[0] + " did not load");
        }
    }
}
