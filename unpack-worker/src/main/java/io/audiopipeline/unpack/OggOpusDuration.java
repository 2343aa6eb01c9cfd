package io.audiopipeline.unpack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The duration of an Ogg Opus file from its own headers, without another process: the granule position
 * of the last page (48 kHz samples) minus the pre-skip of the OpusHead header (RFC 7845).
 */
final class OggOpusDuration {
    private static final int HEAD_BYTES = 4096;
    /** An Ogg page is at most 65,307 bytes, so the last page header lies within this tail. */
    private static final int TAIL_BYTES = 65_536 + 4096;

    private OggOpusDuration() {
    }

    /** Seconds of audio, or -1 when the file is not a well-formed Ogg Opus file. */
    static double seconds(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer head = read(channel, 0, (int) Math.min(HEAD_BYTES, size));
            int opusHead = indexOf(head, "OpusHead".getBytes(), 0, head.limit());
            if (opusHead < 0 || opusHead + 12 > head.limit()) {
                return -1;
            }
            int preSkip = Short.toUnsignedInt(head.getShort(opusHead + 10));
            long tailStart = Math.max(0, size - TAIL_BYTES);
            ByteBuffer tail = read(channel, tailStart, (int) (size - tailStart));
            int last = lastIndexOf(tail, "OggS".getBytes());
            if (last < 0 || last + 14 > tail.limit()) {
                return -1;
            }
            long granule = tail.getLong(last + 6);
            if (granule < preSkip) {
                return -1;
            }
            return (granule - preSkip) / 48_000.0;
        }
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        buffer.flip();
        return buffer;
    }

    private static int indexOf(ByteBuffer b, byte[] pattern, int from, int to) {
        for (int i = from; i + pattern.length <= to; i++) {
            if (matches(b, pattern, i)) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(ByteBuffer b, byte[] pattern) {
        for (int i = b.limit() - pattern.length; i >= 0; i--) {
            if (matches(b, pattern, i)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean matches(ByteBuffer b, byte[] pattern, int at) {
        for (int j = 0; j < pattern.length; j++) {
            if (b.get(at + j) != pattern[j]) {
                return false;
            }
        }
        return true;
    }
}
