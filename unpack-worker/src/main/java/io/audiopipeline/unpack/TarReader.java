package io.audiopipeline.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar stream: ustar, GNU (long names, sparse) and PAX as GNU tar, bsdtar and 7-Zip write them.
 * Header names are read as ISO-8859-1, which maps every byte to one character, so no name can fail to
 * decode whatever the process locale; {@link EntryName#fromTarHeader} then reads them as UTF-8.
 */
final class TarReader implements ArchiveReader {
    private final TarArchiveInputStream tar;

    TarReader(InputStream data) {
        this.tar = new TarArchiveInputStream(data, StandardCharsets.ISO_8859_1.name());
    }

    @Override
    public Entry next() throws IOException {
        TarArchiveEntry e = tar.getNextEntry();
        if (e == null) {
            return null;
        }
        String name = EntryName.fromTarHeader(e.getName());
        if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            return new Entry(name, Kind.SPECIAL, null);
        }
        if (e.isSymbolicLink()) {
            return new Entry(name, Kind.SYMLINK, EntryName.fromTarHeader(e.getLinkName()));
        }
        if (e.isLink()) {
            return new Entry(name, Kind.HARDLINK, EntryName.fromTarHeader(e.getLinkName()));
        }
        if (e.isDirectory()) {
            return new Entry(name, Kind.DIRECTORY, null);
        }
        if (e.isFile()) {
            return new Entry(name, Kind.FILE, null);
        }
        return new Entry(name, Kind.SPECIAL, null);
    }

    @Override
    public InputStream content() {
        return tar;
    }

    @Override
    public boolean sequential() {
        return true;
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
