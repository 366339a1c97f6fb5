package dev.trit.cli;

import dev.trit.engine.LoadedModel;
import dev.trit.engine.chat.ChatTemplate;
import dev.trit.engine.chat.StopTokens;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code generate --chat}: the conversation [system?, user] rendered by the model's chat template
 * with the generation prompt, encoded as apply_chat_template(tokenize=True) does, and the tokens
 * that end the reply.
 */
record ChatPrompt(int[] ids, Set<Integer> stops) {

    static ChatPrompt of(LoadedModel m, String system, String user) throws IOException {
        if (!Files.isDirectory(m.path())) {
            throw new Main.FailureException(m.path() + ": --chat needs a Hugging Face model directory (chat templates of .gguf files are not read)");
        }
        ChatTemplate template = ChatTemplate.forModelDir(m.path());
        List<ChatTemplate.Message> chat = new ArrayList<>();
        if (system != null) chat.add(new ChatTemplate.Message("system", system));
        chat.add(new ChatTemplate.Message("user", user));
        int[] ids = ChatTemplate.encode(m.tokenizer(), template.render(chat, true));
        if (ids.length == 0) throw new Main.FailureException(m.path() + ": the chat template rendered an empty prompt");
        Set<Integer> stops = new HashSet<>(StopTokens.forModelDir(m.path()));
        if (stops.isEmpty()) stops.add(m.config().eosTokenId());
        return new ChatPrompt(ids, Set.copyOf(stops));
    }

    boolean isStop(int token) {
        return stops.contains(token);
    }
}
