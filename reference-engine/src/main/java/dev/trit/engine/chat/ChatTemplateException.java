package dev.trit.engine.chat;

import java.io.IOException;

/**
 * A chat template that is missing, cannot be read, uses a feature the engine does not render, or
 * raised an error itself ({@code raise_exception}). The message is one line, phrased for the user.
 */
public final class ChatTemplateException extends IOException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
