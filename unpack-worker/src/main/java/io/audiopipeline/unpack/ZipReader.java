package io.audiopipeline.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * A zip read from the file with random access, as Info-ZIP, 7-Zip, macOS Finder and Windows write them.
 * Names: the UTF-8 flag and Info-ZIP's Unicode path field are honoured; a name with neither is read as
 * UTF-8 when its bytes are valid UTF-8 (macOS), else as CP437 (the zip default, Windows): a decoding
 * that maps every byte, so two different names never decode to the same string.
 */
final class ZipReader implements ArchiveReader {
    private final ZipFile zip;
    private final Enumeration<ZipArchiveEntry> entries;
    private ZipArchiveEntry current;
    private String currentName;

    private ZipReader(ZipFile zip) {
        this.zip = zip;
        this.entries = zip.getEntriesInPhysicalOrder();
    }

    static ZipReader open(Path archive) throws IOException {
        return new ZipReader(ZipFile.builder().setPath(archive).setCharset(StandardCharsets.UTF_8).setUseUnicodeExtraFields(true).get());
    }

    @Override
    public Entry next() throws IOException {
        if (!entries.hasMoreElements()) {
            current = null;
            return null;
        }
        current = entries.nextElement();
        String name = current.getNameSource() == ZipArchiveEntry.NameSource.NAME
                ? EntryName.fromLegacyZip(current.getRawName()) : current.getName();
        currentName = name;
        if (current.isUnixSymlink()) {
            return new Entry(name, Kind.SYMLINK, zip.getUnixSymlink(current));
        }
        if (current.isDirectory()) {
            return new Entry(name, Kind.DIRECTORY, null);
        }
        return new Entry(name, Kind.FILE, null);
    }

    @Override
    public InputStream content() throws IOException, ArchiveRejectedException {
        if (current.getGeneralPurposeBit().usesEncryption()) {
            throw new ArchiveRejectedException("entry '" + currentName + "' is encrypted");
        }
        if (!zip.canReadEntryData(current)) {
            throw new ArchiveRejectedException("entry '" + currentName + "' uses compression method "
                    + current.getMethod() + ", which cannot be read");
        }
        return zip.getInputStream(current);
    }

    @Override
    public boolean sequential() {
        return false;
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
