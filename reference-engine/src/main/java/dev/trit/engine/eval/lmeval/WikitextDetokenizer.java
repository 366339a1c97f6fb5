package dev.trit.engine.eval.lmeval;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * lm-evaluation-harness's {@code wikitext_detokenizer} ({@code lm_eval/tasks/wikitext/preprocess_wikitext.py}),
 * the task's {@code doc_to_target}: it undoes WikiText's tokenization spacing of a page before the model
 * sees it. The same replacements, in the same order, with the same (Python {@code str.replace} /
 * {@code re.sub}) semantics: plain replacements scan left to right without overlaps, and the bracket
 * patterns use lazy groups and Python's Unicode {@code \s}.
 */
public final class WikitextDetokenizer {
    private WikitextDetokenizer() {
    }

    private static final String S = PyText.SPACE;
    // re.sub(r"/' [0-9]/", r"/'[0-9]/", s): matches the literal slashes, so it is (almost) never used
    private static final Pattern SLASH = Pattern.compile("/' [0-9]/");
    private static final Pattern PAREN = Pattern.compile("\\(" + S + "*([^)]*?)" + S + "*\\)", PyText.FLAGS);
    private static final Pattern BRACKET = Pattern.compile("\\[" + S + "*([^\\]]*?)" + S + "*\\]", PyText.FLAGS);
    private static final Pattern BRACE = Pattern.compile("\\{" + S + "*([^}]*?)" + S + "*\\}", PyText.FLAGS);
    private static final Pattern QUOTE = Pattern.compile("\"" + S + "*([^\"]*?)" + S + "*\"", PyText.FLAGS);
    private static final Pattern APOSTROPHE = Pattern.compile("'" + S + "*([^']*?)" + S + "*'", PyText.FLAGS);

    /** The detokenized page: the text the task scores. */
    public static String detokenize(String page) {
        String s = page;
        // contractions
        s = s.replace("s '", "s'");
        s = SLASH.matcher(s).replaceAll(Matcher.quoteReplacement("/'[0-9]/"));
        // number separators
        s = s.replace(" @-@ ", "-");
        s = s.replace(" @,@ ", ",");
        s = s.replace(" @.@ ", ".");
        // punctuation
        s = s.replace(" : ", ": ");
        s = s.replace(" ; ", "; ");
        s = s.replace(" . ", ". ");
        s = s.replace(" ! ", "! ");
        s = s.replace(" ? ", "? ");
        s = s.replace(" , ", ", ");
        // brackets and quotes: the spaces just inside each pair go
        s = PAREN.matcher(s).replaceAll("($1)");
        s = BRACKET.matcher(s).replaceAll("[$1]");
        s = BRACE.matcher(s).replaceAll("{$1}");
        s = QUOTE.matcher(s).replaceAll("\"$1\"");
        s = APOSTROPHE.matcher(s).replaceAll("'$1'");
        // miscellaneous
        s = s.replace("= = = =", "====");
        s = s.replace("= = =", "===");
        s = s.replace("= =", "==");
        s = s.replace(" \u00b0 ", "\u00b0");
        s = s.replace(" \n", "\n");
        s = s.replace("\n ", "\n");
        s = s.replace(" N ", " 1 ");
        s = s.replace(" 's", "'s");
        return s;
    }
}
