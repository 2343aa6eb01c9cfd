package io.audiopipeline.unpack;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveException;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.ArchiveStreamFactory;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

/**
 * Extracts tar, tar.gz and zip archives (format detected from the bytes, not the name) so that nothing
 * is written outside the target directory. Rejected, naming the entry: absolute paths, {@code ..}
 * components, links pointing outside, device files and FIFOs, duplicate entries, and archives over
 * the entry-count, total-size or compression-ratio bounds (zip bombs; sizes are counted as bytes are
 * written, not taken from headers). Links pointing inside are skipped, never created.
 */
final class SafeExtractor {
    /** Below this many bytes written the compression ratio is not judged (tiny archives compress oddly). */
    private static final long RATIO_GRACE_BYTES = 1L << 20;

    record Result(int files, long bytes, int skippedLinks) {
    }

    private final long maxBytes;
    private final int maxEntries;
    private final int maxRatio;

    SafeExtractor(long maxBytes, int maxEntries, int maxRatio) {
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
        this.maxRatio = maxRatio;
    }

    Result extract(Path archive, Path targetDir) throws IOException, ArchiveRejectedException {
        Path root = targetDir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        long archiveSize = Math.max(1, Files.size(archive));
        int entries = 0;
        int files = 0;
        int skippedLinks = 0;
        long written = 0;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
             ArchiveInputStream<? extends ArchiveEntry> in = open(raw, archive)) {
            ArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                if (++entries > maxEntries) {
                    throw new ArchiveRejectedException("archive has more than UNPACK_MAX_ENTRIES=" + maxEntries + " entries");
                }
                String name = entry.getName();
                Path target = resolveInside(root, name);
                if (isLink(entry)) {
                    String linkTarget = linkTarget(entry, in);
                    Path base = isHardLink(entry) ? root : target.getParent();
                    Path pointsTo = base.resolve(linkTarget).normalize();
                    if (Path.of(linkTarget).isAbsolute() || !pointsTo.startsWith(root)) {
                        throw new ArchiveRejectedException("entry '" + name + "' is a link pointing outside the batch dir (" + linkTarget + ")");
                    }
                    skippedLinks++;
                    continue;
                }
                if (isSpecial(entry)) {
                    throw new ArchiveRejectedException("entry '" + name + "' is a device file or FIFO");
                }
                if (entry.isDirectory()) {
                    createDirectories(root, target, name);
                    continue;
                }
                createDirectories(root, target.getParent(), name);
                written += copy(in, target, name, maxBytes - written);
                files++;
                if (written > RATIO_GRACE_BYTES && written / archiveSize > maxRatio) {
                    throw new ArchiveRejectedException("archive expands more than UNPACK_MAX_COMPRESSION_RATIO=" + maxRatio
                            + " times (at entry '" + name + "'): a zip bomb");
                }
            }
        } catch (ArchiveException | CompressorException e) {
            throw new ArchiveRejectedException("not a tar, tar.gz or zip archive: " + e.getMessage(), e);
        }
        return new Result(files, written, skippedLinks);
    }

    @SuppressWarnings("unchecked")
    private static ArchiveInputStream<? extends ArchiveEntry> open(InputStream raw, Path archive)
            throws ArchiveException, CompressorException, IOException {
        InputStream data = raw;
        String compression = null;
        try {
            compression = CompressorStreamFactory.detect(raw);
        } catch (CompressorException notCompressed) {
            // plain tar or zip
        }
        if (compression != null) {
            if (!compression.equals(CompressorStreamFactory.GZIP)) {
                throw new CompressorException("compression '" + compression + "' is not supported (only gzip)");
            }
            data = new BufferedInputStream(new CompressorStreamFactory().createCompressorInputStream(compression, raw));
        }
        String format = ArchiveStreamFactory.detect(data);
        if (!format.equals(ArchiveStreamFactory.TAR) && !format.equals(ArchiveStreamFactory.ZIP)) {
            throw new ArchiveException("format '" + format + "' of " + archive.getFileName() + " is not supported");
        }
        return (ArchiveInputStream<? extends ArchiveEntry>) new ArchiveStreamFactory().createArchiveInputStream(format, data);
    }

    /** The entry's path inside {@code root}, compared as normalised paths; refuses anything else. */
    static Path resolveInside(Path root, String name) throws ArchiveRejectedException {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new ArchiveRejectedException("entry with an empty or invalid name");
        }
        String unified = name.replace('\\', '/');
        if (unified.startsWith("/") || unified.matches("^[A-Za-z]:.*")) {
            throw new ArchiveRejectedException("entry '" + name + "' has an absolute path");
        }
        Path relative = Path.of(unified);
        for (Path part : relative) {
            if (part.toString().equals("..")) {
                throw new ArchiveRejectedException("entry '" + name + "' climbs out with '..'");
            }
        }
        Path target = root.resolve(relative).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new ArchiveRejectedException("entry '" + name + "' resolves outside the batch dir");
        }
        return target;
    }

    private static void createDirectories(Path root, Path dir, String name) throws IOException, ArchiveRejectedException {
        // every existing component must be a real directory inside root: never write through a link
        Path current = root;
        for (Path part : root.relativize(dir)) {
            current = current.resolve(part);
            if (Files.isSymbolicLink(current)) {
                throw new ArchiveRejectedException("entry '" + name + "' would be written through a link");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(current);
            } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                throw new ArchiveRejectedException("entry '" + name + "' needs '" + root.relativize(current) + "' to be a directory");
            }
        }
    }

    private static long copy(InputStream in, Path target, String name, long budget) throws IOException, ArchiveRejectedException {
        long n = 0;
        byte[] buffer = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            int r;
            while ((r = in.read(buffer)) > 0) {
                n += r;
                if (n > budget) {
                    throw new ArchiveRejectedException("archive expands beyond UNPACK_MAX_BYTES (at entry '" + name + "')");
                }
                out.write(buffer, 0, r);
            }
        } catch (FileAlreadyExistsException e) {
            throw new ArchiveRejectedException("entry '" + name + "' appears twice in the archive (would overwrite a file)");
        }
        return n;
    }

    private static boolean isLink(ArchiveEntry entry) {
        if (entry instanceof TarArchiveEntry tar) {
            return tar.isSymbolicLink() || tar.isLink();
        }
        return entry instanceof ZipArchiveEntry zip && zip.isUnixSymlink();
    }

    private static boolean isHardLink(ArchiveEntry entry) {
        return entry instanceof TarArchiveEntry tar && tar.isLink();
    }

    private static String linkTarget(ArchiveEntry entry, InputStream in) throws IOException {
        if (entry instanceof TarArchiveEntry tar) {
            return tar.getLinkName();
        }
        // a zip symlink keeps its target as the entry's content
        return new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static boolean isSpecial(ArchiveEntry entry) {
        if (entry instanceof TarArchiveEntry tar) {
            return tar.isCharacterDevice() || tar.isBlockDevice() || tar.isFIFO() || !(tar.isFile() || tar.isDirectory());
        }
        return false;
    }
}
