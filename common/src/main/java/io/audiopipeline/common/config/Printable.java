package io.audiopipeline.common.config;

/**
 * Text from outside (file names from archives, errors quoting them) made safe to print on one line:
 * control characters (newline, carriage return, escape, BEL, ...) and Unicode direction overrides are
 * shown as {@code \n}, {@code \x1b}, {@code \u202e}, never sent to a terminal or a log as they are.
 */
public final class Printable {
    private Printable() {
    }

    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = replacement(c);
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                out.append(replacement != null ? replacement : String.valueOf(c));
            }
        }
        return out == null ? text : out.toString();
    }

    private static String replacement(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> {
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                    yield String.format("\\x%02x", (int) c);
                }
                if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
                    yield String.format("\\u%04x", (int) c);
                }
                yield null;
            }
        };
    }
}
