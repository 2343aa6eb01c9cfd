package io.audiopipeline.unpack;

import io.audiopipeline.common.db.IgnoredEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Extracts the recordings of an archive and accounts for every other entry. Each entry ends as exactly
 * one of: a recording (written to {@code target} under a generated name, so no name from the archive
 * ever becomes a path: any name works, in any locale, at any length), ignored with a reason (not audio,
 * OS metadata, a symbolic link), or the archive rejected naming the entry (absolute paths, {@code ..},
 * links pointing outside, device files and FIFOs, the same name twice, a corrupt archive, the
 * entry-count, size and ratio bounds). A hard link is the recording it names, under its own name. The
 * root entry ({@code .}, {@code ./}) and other directories are structure, not entries to account for.
 */
final class SafeExtractor {
    record Extracted(String name, Path file) {
    }

    record Result(List<Extracted> recordings, List<IgnoredEntry> ignored, long bytes) {
    }

    private final long maxBytes;
    private final int maxEntries;
    private final int maxRatio;
    private final EntryClassifier classifier;

    SafeExtractor(long maxBytes, int maxEntries, int maxRatio, EntryClassifier classifier) {
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
        this.maxRatio = maxRatio;
        this.classifier = classifier;
    }

    Result extract(Path archive, Path target) throws IOException, ArchiveRejectedException {
        Files.createDirectories(target);
        try (ArchiveReader reader = ArchiveReader.open(archive)) {
            Extraction extraction = new Extraction(reader, target, new ExtractionBudget(maxBytes, maxRatio, Files.size(archive)));
            int entries = 0;
            ArchiveReader.Entry entry;
            while ((entry = next(reader, entries)) != null) {
                if (++entries > maxEntries) {
                    throw new ArchiveRejectedException("archive has more than UNPACK_MAX_ENTRIES=" + maxEntries + " entries");
                }
                extraction.account(entry);
            }
            return new Result(extraction.recordings, extraction.ignored, extraction.budget.used());
        }
    }

    /** One archive being extracted: what each entry became so far. */
    private final class Extraction {
        private final ArchiveReader reader;
        private final Path target;
        private final ExtractionBudget budget;
        private final List<Extracted> recordings = new ArrayList<>();
        private final List<IgnoredEntry> ignored = new ArrayList<>();
        /** Recordings written so far by name, for the hard links that name them. */
        private final Map<String, Path> written = new HashMap<>();
        private final Set<String> seen = new HashSet<>();

        Extraction(ArchiveReader reader, Path target, ExtractionBudget budget) {
            this.reader = reader;
            this.target = target;
            this.budget = budget;
        }

        /** Makes {@code entry} a recording or an ignored entry, or rejects the archive. */
        void account(ArchiveReader.Entry entry) throws IOException, ArchiveRejectedException {
            String name = EntryName.normalize(entry.name());
            if (entry.kind() == ArchiveReader.Kind.DIRECTORY) {
                return;
            }
            if (name.isEmpty()) {
                throw new ArchiveRejectedException("entry '" + entry.name() + "' has no name");
            }
            if (!seen.add(name)) {
                throw new ArchiveRejectedException("entry '" + name + "' appears twice in the archive (would overwrite a file)");
            }
            switch (entry.kind()) {
                case SPECIAL -> throw new ArchiveRejectedException("entry '" + name + "' is a device file or FIFO");
                case SYMLINK -> ignored.add(new IgnoredEntry(name, "a symbolic link (to '" + insideTarget(name, entry.linkTarget(), false)
                        + "'): links are not followed"));
                case HARDLINK -> hardLink(name, entry.linkTarget());
                default -> file(name);
            }
        }

        /** A hard link to a recording earlier in the archive is that recording again, under its own name. */
        private void hardLink(String name, String linkTarget) throws IOException, ArchiveRejectedException {
            Path linked = written.get(insideTarget(name, linkTarget, true));
            Optional<String> reason = classifier.ignoreReason(name);
            if (reason.isPresent()) {
                ignored.add(new IgnoredEntry(name, reason.get()));
            } else if (linked == null) {
                ignored.add(new IgnoredEntry(name, "a hard link to '" + linkTarget + "', which is not a recording before it in the archive"));
            } else {
                Path file = target.resolve(diskName(recordings.size() + 1, name));
                link(linked, file);
                recordings.add(new Extracted(name, file));
            }
        }

        /** A regular file: written under a generated name when it is a recording, read past (and counted) when it is not. */
        private void file(String name) throws IOException, ArchiveRejectedException {
            Optional<String> reason = classifier.ignoreReason(name);
            if (reason.isPresent()) {
                ignored.add(new IgnoredEntry(name, reason.get()));
                if (reader.sequential()) {
                    copy(reader, OutputStream.nullOutputStream(), name, budget);
                }
                return;
            }
            Path file = target.resolve(diskName(recordings.size() + 1, name));
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                copy(reader, out, name, budget);
            }
            recordings.add(new Extracted(name, file));
            written.put(name, file);
        }
    }

    private static ArchiveReader.Entry next(ArchiveReader reader, int read) throws ArchiveRejectedException {
        try {
            return reader.next();
        } catch (IOException e) {
            throw new ArchiveRejectedException("the archive is corrupt after " + read + " entries: " + e.getMessage(), e);
        }
    }

    /** Copies the current entry's content; a read failure is a corrupt archive, a write failure an I/O error of this node. */
    private static void copy(ArchiveReader reader, OutputStream out, String name, ExtractionBudget budget)
            throws IOException, ArchiveRejectedException {
        byte[] buffer = new byte[1 << 16];
        InputStream content;
        try {
            content = reader.content();
        } catch (IOException e) {
            throw new ArchiveRejectedException("the archive is corrupt at entry '" + name + "': " + e.getMessage(), e);
        }
        try (InputStream in = nonClosing(content)) {
            while (true) {
                int r;
                try {
                    r = in.read(buffer);
                } catch (IOException e) {
                    throw new ArchiveRejectedException("the archive is corrupt at entry '" + name + "': " + e.getMessage(), e);
                }
                if (r < 0) {
                    return;
                }
                budget.take(r, name);
                out.write(buffer, 0, r);
            }
        }
    }

    /** A tar's content stream is the archive stream itself: closing it would end the archive. */
    private static InputStream nonClosing(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() {
            }
        };
    }

    /**
     * The normalised entry a link points to, refusing a target outside the archive. A symbolic link is
     * resolved from its own folder, a hard link from the archive's root.
     */
    static String insideTarget(String name, String linkTarget, boolean fromRoot) throws ArchiveRejectedException {
        String unified = linkTarget == null ? "" : linkTarget.replace('\\', '/');
        if (unified.isEmpty() || unified.startsWith("/") || unified.matches("(?s)^[A-Za-z]:.*")) {
            throw new ArchiveRejectedException("entry '" + name + "' is a link pointing outside the batch dir (" + linkTarget + ")");
        }
        List<String> parts = new ArrayList<>();
        if (!fromRoot) {
            String[] own = name.split("/");
            parts.addAll(List.of(own).subList(0, own.length - 1));
        }
        for (String part : unified.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw new ArchiveRejectedException("entry '" + name + "' is a link pointing outside the batch dir (" + linkTarget + ")");
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    /** {@code 000042.mp3}: a number and the entry's extension when it is a plain one, nothing from the name's other characters. */
    static String diskName(int number, String name) {
        String extension = EntryClassifier.extension(EntryName.baseName(name));
        boolean plain = extension.matches("[a-z0-9]{1,10}");
        return String.format(Locale.ROOT, "%06d%s", number, plain ? "." + extension : "");
    }

    private static void link(Path existing, Path file) throws IOException {
        try {
            Files.createLink(file, existing);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(existing, file);
        }
    }
}
