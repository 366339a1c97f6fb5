package dev.trit.engine.eval.lmeval;

import java.util.ArrayList;
import java.util.List;

/**
 * The documents (Wikipedia articles) of a WikiText file, as lm-evaluation-harness's {@code wikitext}
 * task reads them.
 *
 * <p>The task ({@code lm_eval/tasks/wikitext/wikitext.yaml}) loads the Hub dataset
 * {@code EleutherAI/wikitext_document_level}, config {@code wikitext-2-raw-v1}, split {@code test}; one row
 * per article, in its field {@code page}. That dataset was built by the loading script the harness
 * shipped as {@code lm_eval/datasets/wikitext/wikitext.py} (function {@code _generate_examples}, as of commit
 * {@code 7037b7e9a4233667031b1ccc6a28b974ee9fb4be}; commit {@code ac881d3e} "migrate ... wikitext to huggingface
 * sources" then moved the task onto the Hub dataset it produces), applied to
 * {@code wiki.test.raw}: the file is read as text (universal newlines), split on "\n", and a new page
 * starts at every line that, after {@code "= = ="} became {@code "==="} and {@code "= ="} became
 * {@code "=="}, stripped, starts with {@code "= "} and ends with {@code " ="} (a level-1 heading
 * {@code " = Title = "}; the section headings {@code " = = Section = = "} do not match). The lines
 * collected before such a heading are joined with "\n" into a page, which is kept only if it is not blank;
 * the heading line opens the next page. The last page is kept unconditionally.
 *
 * <p>So every page begins with its heading line (leading space included, e.g. {@code " = Robert Boulter = "}),
 * keeps each line's own spaces, and ends with the article's trailing blank lines {@code " "}; the blank line
 * in front of the first heading makes a blank page and is dropped. The fixtures' WikiText-2 test file is the
 * tokenized {@code wiki.test.tokens} (4,358 lines, rare words as {@code <unk>}), not {@code wiki.test.raw}; its
 * lines should correspond one to one to the raw file's (not checked: no raw file at hand), and it splits into
 * 62 articles.
 */
public final class WikitextDocuments {
    private WikitextDocuments() {
    }

    /** The pages of {@code text} (the whole file), in file order. */
    public static List<String> split(String text) {
        // Python's open() in text mode: universal newlines
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        List<String> pages = new ArrayList<>();
        List<String> page = new ArrayList<>();
        for (String line : lines) {
            if (isTitle(line)) {
                String joined = String.join("\n", page);
                if (!PyText.strip(joined).isEmpty()) pages.add(joined);
                page.clear();
            }
            page.add(line);
        }
        pages.add(String.join("\n", page));
        return pages;
    }

    /** Whether the line opens a new article (a level-1 heading), as the loading script tests it. */
    static boolean isTitle(String line) {
        String r = PyText.strip(line.replace("= = =", "===").replace("= =", "=="));
        return r.startsWith("= ") && r.endsWith(" =");
    }
}
