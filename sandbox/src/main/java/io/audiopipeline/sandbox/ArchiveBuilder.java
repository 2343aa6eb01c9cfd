package io.audiopipeline.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds tar, tar.gz and zip archives for tests, including hostile entries no archiver would write. */
public final class ArchiveBuilder {
    private interface Entry {
        void writeTar(TarArchiveOutputStream tar) throws IOException;

        void writeZip(ZipArchiveOutputStream zip) throws IOException;
    }

    private final List<Entry> entries = new ArrayList<>();

    public ArchiveBuilder file(String name, Path content) {
        entries.add(new Entry() {
            public void writeTar(TarArchiveOutputStream tar) throws IOException {
                TarArchiveEntry e = new TarArchiveEntry(name, true);
                e.setSize(Files.size(content));
                tar.putArchiveEntry(e);
                Files.copy(content, tar);
                tar.closeArchiveEntry();
            }

            public void writeZip(ZipArchiveOutputStream zip) throws IOException {
                zip.putArchiveEntry(new ZipArchiveEntry(name));
                Files.copy(content, zip);
                zip.closeArchiveEntry();
            }
        });
        return this;
    }

    public ArchiveBuilder text(String name, String content) {
        return bytes(name, content.getBytes(StandardCharsets.UTF_8));
    }

    public ArchiveBuilder bytes(String name, byte[] content) {
        entries.add(new Entry() {
            public void writeTar(TarArchiveOutputStream tar) throws IOException {
                TarArchiveEntry e = new TarArchiveEntry(name, true);
                e.setSize(content.length);
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }

            public void writeZip(ZipArchiveOutputStream zip) throws IOException {
                zip.putArchiveEntry(new ZipArchiveEntry(name));
                zip.write(content);
                zip.closeArchiveEntry();
            }
        });
        return this;
    }

    /** {@code size} zero bytes: compresses to almost nothing (a zip bomb when large). */
    public ArchiveBuilder zeros(String name, long size) {
        entries.add(new Entry() {
            public void writeTar(TarArchiveOutputStream tar) throws IOException {
                TarArchiveEntry e = new TarArchiveEntry(name, true);
                e.setSize(size);
                tar.putArchiveEntry(e);
                writeZeros(tar, size);
                tar.closeArchiveEntry();
            }

            public void writeZip(ZipArchiveOutputStream zip) throws IOException {
                zip.putArchiveEntry(new ZipArchiveEntry(name));
                writeZeros(zip, size);
                zip.closeArchiveEntry();
            }
        });
        return this;
    }

    public ArchiveBuilder symlink(String name, String target) {
        return special(name, TarConstants.LF_SYMLINK, target);
    }

    public ArchiveBuilder hardlink(String name, String target) {
        return special(name, TarConstants.LF_LINK, target);
    }

    public ArchiveBuilder charDevice(String name) {
        return special(name, TarConstants.LF_CHR, null);
    }

    public ArchiveBuilder fifo(String name) {
        return special(name, TarConstants.LF_FIFO, null);
    }

    private ArchiveBuilder special(String name, byte type, String linkTarget) {
        entries.add(new Entry() {
            public void writeTar(TarArchiveOutputStream tar) throws IOException {
                TarArchiveEntry e = new TarArchiveEntry(name, type, true);
                if (linkTarget != null) {
                    e.setLinkName(linkTarget);
                }
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }

            public void writeZip(ZipArchiveOutputStream zip) throws IOException {
                throw new UnsupportedOperationException("special entries are written to tar archives only");
            }
        });
        return this;
    }

    public Path writeTarGz(Path file) throws IOException {
        try (OutputStream out = new GzipCompressorOutputStream(Files.newOutputStream(file))) {
            writeTarTo(out);
        }
        return file;
    }

    public Path writeTar(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            writeTarTo(out);
        }
        return file;
    }

    private void writeTarTo(OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (Entry e : entries) {
            e.writeTar(tar);
        }
        tar.finish();
    }

    public Path writeZip(Path file) throws IOException {
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file)) {
            for (Entry e : entries) {
                e.writeZip(zip);
            }
        }
        return file;
    }

    private static void writeZeros(OutputStream out, long size) throws IOException {
        byte[] zeros = new byte[1 << 16];
        for (long written = 0; written < size; written += zeros.length) {
            out.write(zeros, 0, (int) Math.min(zeros.length, size - written));
        }
    }

}
