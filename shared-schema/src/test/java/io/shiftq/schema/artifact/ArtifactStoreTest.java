package io.shiftq.schema.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shiftq.schema.event.ArtifactRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {

    // SHA-256 of "hello", worked out with sha256sum.
    private static final String HELLO_SHA = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    @TempDir
    Path tmp;

    private ArtifactStore store;

    @BeforeEach
    void open() {
        store = new ArtifactStore(tmp.resolve("store"));
    }

    private static byte[] hello() {
        return "hello".getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putIfAbsentLetsOneOfTwoWritersWinAndLeavesNoStagedFiles() throws IOException {
        ArtifactRef first = store.putIfAbsent("job-1", "qat.done.json", new byte[] {1});
        ArtifactRef second = store.putIfAbsent("job-1", "qat.done.json", new byte[] {2});
        assertThat(first).isNotNull();
        assertThat(second).isNull();
        assertThat(store.read(first)).containsExactly(1);
        try (var files = Files.list(store.jobDir("job-1"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("qat.done.json");
        }
    }

    @Test
    void putReturnsAFileUriUnderTheRootWithHashAndSize() {
        ArtifactRef ref = store.put("job-1", "model.params", hello());
        assertThat(ref.uri()).startsWith("file:").endsWith("/store/job-1/model.params");
        assertThat(ref.sha256()).isEqualTo(HELLO_SHA);
        assertThat(ref.bytes()).isEqualTo(5);
        assertThat(store.read(ref)).isEqualTo(hello());
        assertThat(store.resolve(ref)).isEqualTo(store.jobDir("job-1").resolve("model.params"));
    }

    @Test
    void putFileCopiesAndLeavesNoTemporaryFiles() throws IOException {
        Path source = Files.writeString(tmp.resolve("report.json"), "hello");
        ArtifactRef ref = store.putFile("job-1", "reports/report.json", source);
        assertThat(ref.sha256()).isEqualTo(HELLO_SHA);
        assertThat(store.read(ref)).isEqualTo(hello());
        try (var files = Files.list(store.jobDir("job-1").resolve("reports"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("report.json");
        }
    }

    @Test
    void putReplacesAnOlderVersion() {
        store.put("job-1", "stats.json", "old".getBytes(StandardCharsets.UTF_8));
        ArtifactRef ref = store.put("job-1", "stats.json", hello());
        assertThat(store.read(ref)).isEqualTo(hello());
    }

    @Test
    void refusesAUriOutsideTheRoot() {
        ArtifactRef passwd = new ArtifactRef("file:/etc/passwd", HELLO_SHA, 5);
        assertThatThrownBy(() -> store.read(passwd))
                .isInstanceOf(ArtifactException.class)
                .hasMessageContaining("'file:/etc/passwd' is outside the store root");
        assertThatThrownBy(() -> store.resolve(passwd)).isInstanceOf(ArtifactException.class);
    }

    @Test
    void refusesDotDotEscapes() {
        ArtifactRef ref = store.put("job-1", "a.bin", hello());
        String escape = ref.uri().replace("/job-1/a.bin", "/job-1/../../outside.bin");
        assertThatThrownBy(() -> store.read(new ArtifactRef(escape, HELLO_SHA, 5)))
                .isInstanceOf(ArtifactException.class)
                .hasMessageContaining("outside the store root");
        assertThatThrownBy(() -> store.put("job-1", "../escape.bin", hello()))
                .isInstanceOf(ArtifactException.class)
                .hasMessageContaining("artifact name '../escape.bin'");
        assertThatThrownBy(() -> store.put("..", "x.bin", hello())).isInstanceOf(ArtifactException.class);
        assertThatThrownBy(() -> store.jobDir("a/../../b")).hasMessageContaining("must match");
    }

    @Test
    void refusesASymlinkThatLeavesTheRoot() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "hello");
        Path link = store.jobDir("job-1").resolve("link.bin");
        Files.createSymbolicLink(link, secret);
        ArtifactRef ref = new ArtifactRef(link.toUri().toString(), HELLO_SHA, 5);
        assertThatThrownBy(() -> store.read(ref))
                .isInstanceOf(ArtifactException.class)
                .hasMessageContaining("outside the store root");
        assertThatThrownBy(() -> store.resolve(ref)).isInstanceOf(ArtifactException.class);
    }

    @Test
    void refusesToWriteThroughASymlinkedJobDirectory() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.createSymbolicLink(store.root().resolve("job-2"), outside);
        assertThatThrownBy(() -> store.put("job-2", "x.bin", hello()))
                .isInstanceOf(ArtifactException.class)
                .hasMessageContaining("outside the store root");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void refusesATamperedFile() throws IOException {
        ArtifactRef ref = store.put("job-1", "model.params", hello());
        Files.writeString(store.resolve(ref), "jello");
        assertThatThrownBy(() -> store.read(ref))
                .isInstanceOf(ArtifactException.class)
                .hasMessageContaining("sha256 mismatch: expected " + HELLO_SHA + ", actual "
                        + ArtifactStore.sha256("jello".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> store.resolve(ref)).hasMessageContaining("sha256 mismatch");
    }

    @Test
    void refusesOtherSchemesAndMissingFiles() {
        assertThatThrownBy(() -> store.read(new ArtifactRef("s3://bucket/x", HELLO_SHA, 5)))
                .hasMessageContaining("is not a file: URI");
        ArtifactRef ref = store.put("job-1", "a.bin", hello());
        assertThatThrownBy(() -> store.read(new ArtifactRef(ref.uri().replace("a.bin", "b.bin"), HELLO_SHA, 5)))
                .hasMessageEndingWith("does not exist");
    }

    @Test
    void usageSumsAJobsFilesAndDeleteRemovesAFolderOrTheWholeJobWithoutFollowingLinks() throws IOException {
        store.put("job-a", "qat/1f0c9a2e/model.npz", new byte[100]);
        store.put("job-a", "qat/77aa00ff/model.npz", new byte[30]);
        store.put("job-a", "report.json", hello());
        store.put("job-b", "report.json", hello());
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "keep me");
        Files.createSymbolicLink(store.root().resolve("job-a/link"), outside);
        assertThat(store.jobIds()).containsExactly("job-a", "job-b");
        assertThat(store.usage("job-a").bytes()).isEqualTo(135);

        assertThat(store.delete("job-a", "qat/77aa00ff")).isEqualTo(30);
        assertThat(store.usage("job-a").bytes()).isEqualTo(105);
        assertThat(store.delete("job-a", "")).isEqualTo(105);
        assertThat(store.jobIds()).containsExactly("job-b");
        assertThat(outside).hasContent("keep me");
        assertThat(store.usage("job-a").bytes()).isZero();
        assertThat(store.delete("job-a", "")).isZero();
        assertThatThrownBy(() -> store.delete("job-b", "../job-a")).isInstanceOf(ArtifactException.class);
    }
}
