package io.audiopipeline.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where archives arrive: a local (or mounted) inbox directory, or a directory on an SFTP server. */
public interface ExportSource extends AutoCloseable {
    /** A stable name for this source, used in the transfer records (e.g. {@code sftp://host:22/exports}). */
    String describe();

    /** Regular files directly in the source directory. */
    List<SourceFile> list() throws IOException;

    boolean exists(String name) throws IOException;

    InputStream open(SourceFile file) throws IOException;

    /** The file's path when it can be read as a local file (then it is copied by the kernel), else empty. */
    default Optional<Path> localPath(SourceFile file) {
        return Optional.empty();
    }

    void delete(SourceFile file) throws IOException;

    /** Moves the file into {@code directory} (relative to the source directory, or absolute). */
    void move(SourceFile file, String directory) throws IOException;

    @Override
    void close() throws IOException;
}
