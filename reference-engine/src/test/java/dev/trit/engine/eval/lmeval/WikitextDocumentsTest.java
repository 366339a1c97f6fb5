package dev.trit.engine.eval.lmeval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The document split, detokenizer and word/byte counts of lm-evaluation-harness's {@code wikitext} task on
 * the fixtures' WikiText-2 test file.
 *
 * <p>Where the numbers come from: the harness's own functions, run in Python on this file —
 * {@code _generate_examples} of {@code lm_eval/datasets/wikitext/wikitext.py} (commit 7037b7e9, the script
 * that built the Hub dataset {@code EleutherAI/wikitext_document_level}), and {@code wikitext_detokenizer}
 * and {@code process_results} of {@code lm_eval/tasks/wikitext/preprocess_wikitext.py} (commit 4e7e0d47,
 * v0.4.12+48). The quoted strings were also checked by hand against those functions' rules: the page
 * starts at its level-1 heading line, keeps every line's leading and trailing space, and detokenizing
 * joins "guest @-@ starring", pulls punctuation and the insides of brackets and quotes together, turns
 * "= =" into "==" and drops the spaces next to newlines (but not the page's very first space).
 */
class WikitextDocumentsTest {
    private static List<String> pages;

    @BeforeAll
    static void read() throws IOException {
        Path text = Path.of(System.getProperty("trit.root"), "fixtures/data/wikitext-2/test.txt");
        pages = WikitextDocuments.split(Files.readString(text));
    }

    @Test
    void sixtyTwoArticlesStartingAtTheirHeading() {
        assertEquals(62, pages.size());
        // the blank line " " before the first heading makes a blank page: dropped
        assertTrue(pages.get(0).startsWith(" = Robert <unk> = \n \n Robert <unk> is an English film , television and theatre actor . "));
        // sections stay inside their article; the article's trailing blank lines stay with it
        assertTrue(pages.get(0).endsWith(" \n \n = = = Television = = = \n \n \n = = = Theatre = = = \n \n \n "));
        assertTrue(pages.get(1).startsWith(" = Du Fu = \n \n Du Fu ( Wade – Giles : Tu Fu ; Chinese : <unk> ; <unk> – 770 ) was"));
        assertTrue(pages.get(1).endsWith("xtensive scholarly apparatus , which emphasized <unk> . \n \n "));
        assertTrue(pages.get(61).startsWith(" = The <unk> ( film ) = \n \n The <unk> is a 1961 American drama film"));
        // the last page takes the rest of the file: its final "\n" leaves an empty last line
        assertTrue(pages.get(61).endsWith("Ronnie Allen , Ed Taylor , Ed Parker , and Eddie <unk> . \n \n"));
        assertEquals(5452, pages.get(0).length());
        assertEquals(24017, pages.get(1).length());
    }

    @Test
    void detokenizedPages() throws NoSuchAlgorithmException {
        String d0 = WikitextDetokenizer.detokenize(pages.get(0));
        assertTrue(d0.startsWith(" = Robert <unk> =\n\nRobert <unk> is an English film, television and theatre actor. He had a guest-starring role"
                + " on the television series The Bill in 2000."), d0.substring(0, 200));
        assertTrue(d0.contains("In 2004 <unk> landed a role as \"Craig\" in the episode \"Teddy's Story\" of the television series The Long Firm;"
                + " he starred alongside actors Mark Strong and Derek Jacobi."));
        assertTrue(d0.endsWith("nk>.\n\n== Filmography ==\n\n\n=== Film ===\n\n\n=== Television ===\n\n\n=== Theatre ===\n\n\n"));
        assertTrue(WikitextDetokenizer.detokenize(pages.get(1)).startsWith(
                " = Du Fu =\n\nDu Fu (Wade – Giles: Tu Fu; Chinese: <unk>; <unk> – 770) was a prominent Chinese poet of the Tang dynasty."
                        + " Along with Li <unk> (Li Po), he is frequently called the greatest of the Chinese poets."));
        assertTrue(WikitextDetokenizer.detokenize(pages.get(61)).startsWith(" = The <unk> (film) =\n\nThe <unk> is a 1961 American drama film"
                + " directed by Robert <unk> from Walter <unk>'s 1959 novel of the same name, adapted for the screen by <unk> and Sidney Carroll."
                + " It tells the story of small-time pool <unk> \"Fast Eddie\" <unk> and his desire to break into the \"major league\" "));
        // every page, byte for byte: SHA-256 of the detokenized pages (harness output)
        assertEquals("4467461f1087b193d20f022807095542c954d0305d2eae23c0c47aea2280cab3", sha256(d0));
        assertEquals("6dda4af42f49075da5822d6bcace08db089deba28eb2bef40b73413b087fb5e6", sha256(WikitextDetokenizer.detokenize(pages.get(61))));
        MessageDigest all = MessageDigest.getInstance("SHA-256");
        for (String p : pages) all.update(MessageDigest.getInstance("SHA-256").digest(WikitextDetokenizer.detokenize(p).getBytes(StandardCharsets.UTF_8)));
        assertEquals("3ecf05bd7c10cd1dc6d7f4e087e3a1da7f09e6422135bca937c3db47ff3ea673", HexFormat.of().formatHex(all.digest()));
    }

    @Test
    void detokenizerRules() {
        // one rule each, expected strings worked out by hand from preprocess_wikitext.wikitext_detokenizer
        assertEquals("the players' union", WikitextDetokenizer.detokenize("the players ' union"));
        assertEquals("1,000-year", WikitextDetokenizer.detokenize("1 @,@ 000 @-@ year"));
        assertEquals("3.5 m", WikitextDetokenizer.detokenize("3 @.@ 5 m"));
        assertEquals("a: b; c. d! e? f, g", WikitextDetokenizer.detokenize("a : b ; c . d ! e ? f , g"));
        assertEquals("x (a b) [c] {d} \"e f\" 'g'", WikitextDetokenizer.detokenize("x ( a b ) [ c ] { d } \" e f \" ' g '"));
        assertEquals("==== A ====\n=== B ===\n== C ==", WikitextDetokenizer.detokenize("= = = = A = = = =\n= = = B = = =\n= = C = ="));
        assertEquals("20°C", WikitextDetokenizer.detokenize("20 ° C"));
        assertEquals("He's 1 km", WikitextDetokenizer.detokenize("He 's N km"));
        // the literal-slash pattern matches only a literal "/' 5/" (replaced by the text "/'[0-9]/"); the quote
        // rule that runs after it then pairs that apostrophe with the next one and drops the space before it
        assertEquals("/'[0-9]/'5", WikitextDetokenizer.detokenize("/' 5/ '5"));
        // the trailing " ." of a page is left alone (replace(" . ", ". ") needs a space after)
        assertEquals("end .", WikitextDetokenizer.detokenize("end ."));
    }

    @Test
    void wordsAndBytesAsProcessResultsCountsThem() {
        // process_results counts on the page before detokenization: len(re.split(r"\s+", page)), UTF-8 bytes
        assertEquals(1093, WikitextTask.words(pages.get(0)));
        assertEquals(5456, WikitextTask.bytes(pages.get(0)));
        assertEquals(4751, WikitextTask.words(pages.get(1)));
        assertEquals(24041, WikitextTask.bytes(pages.get(1)));
        assertEquals(3479, WikitextTask.words(pages.get(61)));
        assertEquals(17589, WikitextTask.bytes(pages.get(61)));
        long words = 0, bytes = 0;
        for (String p : pages) {
            words += WikitextTask.words(p);
            bytes += WikitextTask.bytes(p);
        }
        assertEquals(241335, words);
        assertEquals(1256386, bytes);
        // leading and trailing whitespace each add an empty piece, as re.split does
        assertEquals(4, WikitextTask.words(" a  b\n"));
        assertEquals(1, WikitextTask.words(""));
        assertEquals(2, WikitextTask.words("a\u00a0b"));
    }

    private static String sha256(String s) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
