package io.shiftq.schema.artifact;

import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.JobIds;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The directory that stages share for large files (models, checkpoints, statistics, reports), one
 * sub-directory per job. Writes are atomic; reads refuse anything outside the root and check the SHA-256.
 */
public final class ArtifactStore {

    /** An artifact name: one or more path segments of letters, digits, '.', '_' and '-', separated by '/'. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");

    private final Path root;

    /** A store rooted at this directory, which is created if missing. */
    public ArtifactStore(Path root) {
        try {
            Files.createDirectories(root);
            // Real path once, so every containment check compares resolved paths with resolved paths.
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new ArtifactException("artifact store root " + root + " cannot be created: " + e, e);
        }
    }

    /** The resolved root directory. */
    public Path root() {
        return root;
    }

    /** The job's directory, created if missing. */
    public Path jobDir(String jobId) {
        if (!JobIds.isValid(jobId)) {
            throw new ArtifactException("job id '" + jobId + "' must match " + JobIds.PATTERN);
        }
        Path dir = root.resolve(jobId);
        try {
            Files.createDirectories(dir);
            requireInside(dir.toRealPath(), dir.toString());
        } catch (IOException e) {
            throw new ArtifactException("job directory " + dir + " cannot be created: " + e, e);
        }
        return dir;
    }

    /** Stores bytes as the job's artifact {@code name}, replacing an older one atomically. */
    public ArtifactRef put(String jobId, String name, byte[] bytes) {
        return write(jobId, name, out -> out.write(bytes));
    }

    /** Copies a file into the store as the job's artifact {@code name}, replacing an older one atomically. */
    public ArtifactRef putFile(String jobId, String name, Path source) {
        return write(jobId, name, out -> Files.copy(source, out));
    }

    /**
     * Stores bytes as the job's artifact {@code name} unless that name exists: of several writers racing for one
     * name, exactly one wins (a hard link is created atomically or not at all).
     *
     * @return the reference, or null when the name was already taken
     */
    public ArtifactRef putIfAbsent(String jobId, String name, byte[] bytes) {
        Path target = jobDir(jobId).resolve(checkName(name));
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        Path staged = null;
        try {
            ArtifactRef temp = put(jobId, name + "." + java.util.UUID.randomUUID() + ".staged", bytes);
            staged = Path.of(URI.create(temp.uri()));
            // rename(2) would replace an existing file silently; link(2) fails instead, which is the point.
            Files.createLink(target, staged);
            return new ArtifactRef(target.toUri().toString(), temp.sha256(), temp.bytes());
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return null;
        } catch (IOException e) {
            throw new ArtifactException("artifact " + jobId + "/" + name + " cannot be written: " + e, e);
        } finally {
            deleteQuietly(staged);
        }
    }

    /** The artifact's content, after checking it lies in the store and matches its SHA-256 and size. */
    public byte[] read(ArtifactRef ref) {
        Path file = locate(ref);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ArtifactException("artifact " + ref.uri() + " cannot be read: " + e, e);
        }
        // Hash what was read, not the file again, so a concurrent change cannot slip between check and use.
        verify(ref, sha256(bytes), bytes.length);
        return bytes;
    }

    /** The artifact's path, after checking it lies in the store and matches its SHA-256 and size. */
    public Path resolve(ArtifactRef ref) {
        Path file = locate(ref);
        MessageDigest digest = newDigest();
        long size;
        try (InputStream in = Files.newInputStream(file);
                DigestOutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            size = in.transferTo(out);
        } catch (IOException e) {
            throw new ArtifactException("artifact " + ref.uri() + " cannot be read: " + e, e);
        }
        verify(ref, HexFormat.of().formatHex(digest.digest()), size);
        return file;
    }

    /**
     * The size and age of one job's files.
     *
     * @param bytes every regular file's size, summed
     * @param newest the newest file's modification time, or the directory's own when it holds no file
     */
    public record Usage(String jobId, long bytes, Instant newest) {}

    /** The ids of every job directory in the store, sorted. */
    public List<String> jobIds() {
        try (var dirs = Files.list(root)) {
            return dirs.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS))
                    .map(d -> d.getFileName().toString())
                    .filter(JobIds::isValid)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new ArtifactException("artifact store root " + root + " cannot be listed: " + e, e);
        }
    }

    /** The size and newest modification of the job's files; zero bytes when the job has no directory. */
    public Usage usage(String jobId) {
        Path dir = existingJobDir(jobId);
        long[] bytes = {0};
        FileTime[] newest = {FileTime.fromMillis(0)};
        if (dir == null) {
            return new Usage(jobId, 0, newest[0].toInstant());
        }
        try (var files = Files.walk(dir)) {
            files.forEach(f -> {
                try {
                    var attrs = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (attrs.isRegularFile()) {
                        bytes[0] += attrs.size();
                    }
                    if (attrs.lastModifiedTime().compareTo(newest[0]) > 0) {
                        newest[0] = attrs.lastModifiedTime();
                    }
                } catch (IOException e) {
                    // A file removed while walking (a temporary file moved into place) counts as nothing.
                }
            });
        } catch (IOException e) {
            throw new ArtifactException("job directory " + dir + " cannot be read: " + e, e);
        }
        return new Usage(jobId, bytes[0], newest[0].toInstant());
    }

    /**
     * Removes a folder of the job's directory ({@code qat/1f0c9a2e}) or, for an empty name, the whole directory,
     * with everything in it; symbolic links are removed, never followed.
     *
     * @return the bytes freed
     */
    public long delete(String jobId, String folder) {
        Path dir = existingJobDir(jobId);
        if (dir == null) {
            return 0;
        }
        Path target = folder.isEmpty() ? dir : dir.resolve(checkName(folder));
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long freed = 0;
        try (var files = Files.walk(target)) {
            // Deepest first, so every directory is empty when its turn comes.
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    freed += Files.size(f);
                }
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new ArtifactException("artifacts " + target + " cannot be deleted: " + e, e);
        }
        return freed;
    }

    /** The job's directory if it exists, without creating it. */
    private Path existingJobDir(String jobId) {
        if (!JobIds.isValid(jobId)) {
            throw new ArtifactException("job id '" + jobId + "' must match " + JobIds.PATTERN);
        }
        Path dir = root.resolve(jobId);
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? dir : null;
    }

    private interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    private ArtifactRef write(String jobId, String name, Writer content) {
        Path target = jobDir(jobId).resolve(checkName(name));
        MessageDigest digest = newDigest();
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            requireInside(target.getParent().toRealPath(), name);
            temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
                content.writeTo(out);
            }
            long size = Files.size(temp);
            // Readers see the old file or the whole new one, never a half-written one.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new ArtifactRef(target.toUri().toString(), HexFormat.of().formatHex(digest.digest()), size);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new ArtifactException("artifact " + jobId + "/" + name + " cannot be written: " + e, e);
        }
    }

    private static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ArtifactException(
                    "artifact name '" + name + "' must match " + NAME + " (no leading dot, no empty or '..' segments)");
        }
        return name;
    }

    /** The real path of a referenced file, refused unless it is a {@code file:} URI that stays inside the root. */
    private Path locate(ArtifactRef ref) {
        if (ref == null || ref.uri() == null) {
            throw new ArtifactException("artifact reference has no uri");
        }
        Path path = pathOf(ref.uri()).normalize();
        if (!path.startsWith(root)) {
            throw new ArtifactException("artifact uri '" + ref.uri() + "' is outside the store root " + root);
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new ArtifactException("artifact " + ref.uri() + " does not exist");
        }
        try {
            Path real = path.toRealPath();
            requireInside(real, ref.uri());
            return real;
        } catch (IOException e) {
            throw new ArtifactException("artifact " + ref.uri() + " cannot be resolved: " + e, e);
        }
    }

    private Path pathOf(String uri) {
        try {
            URI parsed = new URI(uri);
            if (!"file".equalsIgnoreCase(parsed.getScheme())) {
                throw new ArtifactException(
                        "artifact uri '" + uri + "' is not a file: URI under the store root " + root);
            }
            return Path.of(parsed);
        } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
            throw new ArtifactException(
                    "artifact uri '" + uri + "' is not a valid absolute file: URI: " + e.getMessage(), e);
        }
    }

    private void requireInside(Path realPath, String what) {
        if (!realPath.startsWith(root)) {
            throw new ArtifactException("artifact " + what + " resolves to " + realPath + ", outside the store root "
                    + root + " (through a symbolic link)");
        }
    }

    private static void verify(ArtifactRef ref, String actualSha256, long actualBytes) {
        if (!actualSha256.equalsIgnoreCase(ref.sha256())) {
            throw new ArtifactException("artifact " + ref.uri() + " sha256 mismatch: expected " + ref.sha256()
                    + ", actual " + actualSha256);
        }
        if (actualBytes != ref.bytes()) {
            throw new ArtifactException("artifact " + ref.uri() + " size mismatch: expected " + ref.bytes()
                    + " bytes, actual " + actualBytes);
        }
    }

    /** Lower-case hex SHA-256 of the bytes. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void deleteQuietly(Path temp) {
        if (temp == null) {
            return;
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // The write already failed; that error is the one worth reporting.
        }
    }
}
