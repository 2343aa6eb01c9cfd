package io.audiopipeline.unpack;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.commons.compress.archivers.ArchiveException;
import org.apache.commons.compress.archivers.ArchiveStreamFactory;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

/**
 * The entries of an archive in their order, whatever wrote it. The format comes from the bytes, not
 * the name: tar (plain, gzip, bzip2, xz or zstd) read as a stream; zip read from the file with random
 * access (its central directory is the truth, so data descriptors and prepended data are fine).
 * An {@link IOException} from {@link #next} or from an entry's content means the archive is corrupt.
 */
interface ArchiveReader extends Closeable {
    Set<String> COMPRESSIONS = Set.of(CompressorStreamFactory.GZIP, CompressorStreamFactory.BZIP2, CompressorStreamFactory.XZ,
            CompressorStreamFactory.ZSTANDARD);

    enum Kind { FILE, DIRECTORY, SYMLINK, HARDLINK, SPECIAL }

    /** One entry: its name decoded to Unicode (not yet checked), its kind, and the link target of a link. */
    record Entry(String name, Kind kind, String linkTarget) {
    }

    /** The next entry, or null after the last. */
    Entry next() throws IOException, ArchiveRejectedException;

    /** The content of the entry {@link #next} returned last. */
    InputStream content() throws IOException, ArchiveRejectedException;

    /** Whether the content of an entry that is not read must still be read through (a stream) or is simply skipped (random access). */
    boolean sequential();

    /** Opens {@code archive}, detecting its compression and format from its first bytes. */
    static ArchiveReader open(Path archive) throws IOException, ArchiveRejectedException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        try {
            String compression = detectCompression(raw);
            if (compression != null) {
                if (!COMPRESSIONS.contains(compression)) {
                    throw new ArchiveRejectedException("compression '" + compression + "' is not supported (gzip, bzip2, xz or zstd)");
                }
                InputStream data = new BufferedInputStream(new CompressorStreamFactory(true).createCompressorInputStream(compression, raw), 1 << 16);
                String format = detectFormat(data);
                if (!format.equals(ArchiveStreamFactory.TAR)) {
                    throw new ArchiveRejectedException("a " + compression + "-compressed " + format + " is not supported: only tar is read compressed");
                }
                return new TarReader(data);
            }
            String format = detectFormat(raw);
            if (format.equals(ArchiveStreamFactory.ZIP)) {
                raw.close();
                return ZipReader.open(archive);
            }
            if (format.equals(ArchiveStreamFactory.TAR)) {
                return new TarReader(raw);
            }
            throw new ArchiveRejectedException("format '" + format + "' is not supported: only tar (plain, gzip, bzip2, xz, zstd) and zip");
        } catch (CompressorException e) {
            raw.close();
            throw new ArchiveRejectedException("the archive cannot be decompressed: " + e.getMessage(), e);
        } catch (IOException | ArchiveRejectedException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static String detectCompression(InputStream in) {
        try {
            return CompressorStreamFactory.detect(in);
        } catch (CompressorException notCompressed) {
            return null;
        }
    }

    private static String detectFormat(InputStream in) throws ArchiveRejectedException {
        try {
            return ArchiveStreamFactory.detect(in);
        } catch (ArchiveException e) {
            if (e.getCause() instanceof IOException io) {
                throw new ArchiveRejectedException("the archive is corrupt: its first bytes cannot be read (" + io + ")", e);
            }
            throw new ArchiveRejectedException("not a tar or zip archive: " + e.getMessage(), e);
        }
    }
}
