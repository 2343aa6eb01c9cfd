package io.audiopipeline.unpack;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The name of an archive entry, decoded and checked as text, never as a path of the file system: the
 * process locale plays no part, and names longer than the file system allows are fine (entries are
 * written under generated names). {@link #normalize} turns a raw name into the entry's relative path
 * ({@code calls/monday/a.mp3}) or refuses it; the root entry ({@code .}, {@code ./}) normalises to "".
 */
final class EntryName {
    static final Charset CP437 = Charset.forName("IBM437");

    private EntryName() {
    }

    /** The relative path of the entry, with {@code .} and empty components dropped and {@code \} read as a separator. */
    static String normalize(String name) throws ArchiveRejectedException {
        if (name == null || name.indexOf('\0') >= 0) {
            throw new ArchiveRejectedException("entry with an empty or invalid name");
        }
        String unified = name.replace('\\', '/');
        if (unified.startsWith("/") || unified.matches("(?s)^[A-Za-z]:.*")) {
            throw new ArchiveRejectedException("entry '" + name + "' has an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : unified.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new ArchiveRejectedException("entry '" + name + "' climbs out with '..'");
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /** The last component of a normalised name. */
    static String baseName(String normalized) {
        return normalized.substring(normalized.lastIndexOf('/') + 1);
    }

    /**
     * A tar header name read byte for byte as ISO-8859-1: its bytes as UTF-8 when they are valid UTF-8
     * (what tar writes on any current system), else as the Latin-1 they most likely are. A name that
     * came from a PAX header is already Unicode (it holds characters Latin-1 cannot) and is kept.
     */
    static String fromTarHeader(String latin1) {
        for (int i = 0; i < latin1.length(); i++) {
            if (latin1.charAt(i) > 0xFF) {
                return latin1;
            }
        }
        byte[] raw = latin1.getBytes(StandardCharsets.ISO_8859_1);
        return strictUtf8(raw, latin1);
    }

    /** A zip name without the UTF-8 flag or a Unicode path field: UTF-8 when valid (macOS), else CP437 (the zip default, Windows). */
    static String fromLegacyZip(byte[] raw) {
        return strictUtf8(raw, null) != null ? strictUtf8(raw, null) : new String(raw, CP437);
    }

    private static String strictUtf8(byte[] raw, String otherwise) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return otherwise;
        }
    }
}
