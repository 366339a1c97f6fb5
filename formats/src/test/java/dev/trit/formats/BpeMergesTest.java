package dev.trit.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** tokenizer.json's merges in both of tokenizers' forms; malformed lists refused naming the entry. */
class BpeMergesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void bothFormsGiveThePairs() throws IOException {
        List<String[]> strings = BpeMerges.parse(JSON.readTree("[\"Ġ t\", \"h e\", \" x y\"]"));
        List<String[]> arrays = BpeMerges.parse(JSON.readTree("[[\"Ġ\", \"t\"], [\"h\", \"e\"], [\" x\", \"y\"]]"));
        assertEquals(3, strings.size());
        for (int i = 0; i < 3; i++) assertArrayEquals(arrays.get(i), strings.get(i));
        // a leading space belongs to the first token (split at the first space after the first character)
        assertArrayEquals(new String[] {" x", "y"}, strings.get(2));
        assertEquals(0, BpeMerges.parse(JSON.missingNode()).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[[\"a\"]]", "[[\"a\", 1]]", "[{}]", "[\"ab\"]", "[null]", "{}", "[\"a b\", [\"a\", \"b\"]]", "[[\"a\", \"b\", \"c\"]]"})
    void malformedListsAreRefused(String json) throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpeMerges.parse(JSON.readTree(json)));
        assertTrue(e.getMessage().contains("merge"), e.getMessage());
    }
}
