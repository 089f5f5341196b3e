package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar alone, copied into an empty directory and run with {@code java -cp} (and
 * {@code -jar}), finds, extracts and loads its native library; failures say OS, architecture,
 * resource and which property to set. Runs under Failsafe after {@code package}.
 */
class JarIT {
    @TempDir
    Path tmp;

    private static Path jar() {
        return ChildJvm.jar();
    }

    private static ChildJvm.Result run(Path cwd, String... args) throws IOException, InterruptedException {
        return ChildJvm.run(cwd, args);
    }

    private Path copyJar() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("empty"));
        return Files.copy(jar(), dir.resolve("walloc.jar"));
    }

    @Test
    void jarCarriesLibraryAndManifest() throws IOException {
        try (JarFile j = new JarFile(jar().toFile())) {
            assertEquals("ALL-UNNAMED", j.getManifest().getMainAttributes().getValue("Enable-Native-Access"));
            assertTrue(j.getEntry(NativeLoader.resourcePath(NativeLoader.platform()).substring(1)) != null, "jar holds " + NativeLoader.resourcePath(NativeLoader.platform()));
        }
    }

    @Test
    void jarAloneLoadsItsLibraryWithCp() throws Exception {
        Path j = copyJar();
        Path extract = Files.createDirectory(tmp.resolve("extract"));
        ChildJvm.Result r = run(j.getParent(), "-Xcheck:jni", "-Dwalloc.library.dir=" + extract, "-cp", "walloc.jar", "io.walloc.SelfCheck");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("walloc self-check ok"), r.out);
        assertTrue(r.out.contains(extract.toString()), "extracted into the configured directory: " + r.out);
        // a second run reuses the verified file
        ChildJvm.Result again = run(j.getParent(), "-Dwalloc.library.dir=" + extract, "-cp", "walloc.jar", "io.walloc.SelfCheck");
        assertEquals(0, again.exit, again.out);
    }

    /** A runtime without jdk.jfr (the module is requires static): the profile works, without events. */
    @Test
    void profilesWithoutJfrOnARuntimeThatLacksIt() throws Exception {
        Path j = copyJar();
        ChildJvm.Result r = run(j.getParent(), "-Xcheck:jni", "-Djava.io.tmpdir=" + tmp, "--limit-modules", "java.base",
                "-cp", "walloc.jar", "io.walloc.SelfCheck");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("allocation profile ok, JFR events not available"), r.out);
        ChildJvm.Result full = run(j.getParent(), "-Djava.io.tmpdir=" + tmp, "-cp", "walloc.jar", "io.walloc.SelfCheck");
        assertEquals(0, full.exit, full.out);
        assertTrue(full.out.contains("allocation profile ok, JFR events available"), full.out);
    }

    @Test
    void executableJarNeedsNoNativeAccessFlag() throws Exception {
        Path j = copyJar();
        ChildJvm.Result r = run(j.getParent(), "-Djava.io.tmpdir=" + tmp, "-jar", "walloc.jar");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("walloc self-check ok"), r.out);
        assertFalse(r.out.contains("restricted method"), "Enable-Native-Access in the manifest silences JDK 24+: " + r.out);
    }

    @Test
    void explicitLibraryPropertyFailureSaysWhatWasWrong() throws Exception {
        Path j = copyJar();
        ChildJvm.Result r = run(j.getParent(), "-Dwalloc.library=/nonexistent/libwalloc_jni.so", "-cp", "walloc.jar", "io.walloc.SelfCheck");
        assertNotEquals(0, r.exit);
        assertTrue(r.out.contains("walloc.library"), r.out);
        assertTrue(r.out.contains("os.arch=") && r.out.contains("os.name="), r.out);
        assertTrue(r.out.contains(NativeLoader.resourcePath(NativeLoader.platform())), r.out);
    }

    @Test
    void unwritableExtractionDirectorySaysWhichPropertyToSet() throws Exception {
        Path j = copyJar();
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        ChildJvm.Result r = run(j.getParent(), "-Dwalloc.library.dir=" + file, "-cp", "walloc.jar", "io.walloc.SelfCheck");
        assertNotEquals(0, r.exit);
        assertTrue(r.out.contains("-Dwalloc.library.dir="), r.out);
        assertTrue(r.out.contains("platform " + NativeLoader.platform()), r.out);
    }
}
