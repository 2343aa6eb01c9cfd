package io.audiopipeline.unpack;

/**
 * The bounds of one extraction, enforced as bytes come out of the archive (never from the sizes its
 * headers claim): at most UNPACK_MAX_BYTES in all, and at most UNPACK_MAX_COMPRESSION_RATIO times the
 * archive's size once past a small grace. A bomb is stopped within one buffer of its bound.
 */
final class ExtractionBudget {
    /** Below this many bytes the compression ratio is not judged (tiny archives compress oddly). */
    static final long RATIO_GRACE_BYTES = 1L << 20;

    private final long maxBytes;
    private final int maxRatio;
    private final long archiveBytes;
    private long used;

    ExtractionBudget(long maxBytes, int maxRatio, long archiveBytes) {
        this.maxBytes = maxBytes;
        this.maxRatio = maxRatio;
        this.archiveBytes = Math.max(1, archiveBytes);
    }

    /** Whether {@code n} more bytes of {@code entry} may come out; throws naming the entry when not. */
    void take(long n, String entry) throws ArchiveRejectedException {
        long next = used + n;
        if (next > maxBytes) {
            throw new ArchiveRejectedException("archive expands beyond UNPACK_MAX_BYTES=" + maxBytes + " (at entry '" + entry + "')");
        }
        if (next > RATIO_GRACE_BYTES && next > maxRatio * archiveBytes) {
            throw new ArchiveRejectedException("archive expands more than UNPACK_MAX_COMPRESSION_RATIO=" + maxRatio
                    + " times (at entry '" + entry + "'): a zip bomb");
        }
        used = next;
    }

    long used() {
        return used;
    }
}
