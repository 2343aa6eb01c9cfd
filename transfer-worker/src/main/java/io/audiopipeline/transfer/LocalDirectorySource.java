package io.audiopipeline.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A {@code file:///path} inbox. */
final class LocalDirectorySource implements ExportSource {
    private final Path dir;

    LocalDirectorySource(Path dir) {
        this.dir = dir;
    }

    @Override
    public String describe() {
        return dir.toUri().toString();
    }

    @Override
    public List<SourceFile> list() throws IOException {
        List<SourceFile> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                BasicFileAttributes attrs = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isRegularFile()) {
                    files.add(new SourceFile(entry.getFileName().toString(), entry.toString(), attrs.size(), attrs.lastModifiedTime().toInstant()));
                }
            }
        }
        return files;
    }

    @Override
    public boolean exists(String name) {
        return Files.exists(dir.resolve(name));
    }

    @Override
    public InputStream open(SourceFile file) throws IOException {
        return Files.newInputStream(Path.of(file.path()));
    }

    @Override
    public Optional<Path> localPath(SourceFile file) {
        return Optional.of(Path.of(file.path()));
    }

    @Override
    public void delete(SourceFile file) throws IOException {
        Files.deleteIfExists(Path.of(file.path()));
    }

    @Override
    public void move(SourceFile file, String directory) throws IOException {
        Path target = dir.resolve(directory);
        Files.createDirectories(target);
        Files.move(Path.of(file.path()), target.resolve(file.name()), StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        // nothing held
    }
}
