package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar as the named module {@code io.walloc}: run from the module path with
 * {@code --enable-native-access=io.walloc}, it loads its library with no warning; it exports the
 * API packages and not the demo's. (JarIT runs the same jar from the class path.)
 */
class ModulePathIT {
    @TempDir
    Path tmp;

    private static final String RESTRICTED = "restricted method";

    @Test
    void descriptorExportsTheApiAndNotTheDemo() {
        ModuleDescriptor d = ModuleFinder.of(ChildJvm.jar()).find("io.walloc").orElseThrow().descriptor();
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("io.walloc", "io.walloc.assets"), exported);
        assertTrue(d.packages().contains("io.walloc.demo"), d.packages().toString());
        // the demo's libraries are optional for library users
        for (ModuleDescriptor.Requires r : d.requires()) {
            if (r.name().equals("info.picocli") || r.name().equals("me.tongfei.progressbar")
                    || r.name().equals("jdk.httpserver")) {
                assertTrue(r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC), r.toString());
            }
        }
    }

    @Test
    void runsOnTheModulePathWithNativeAccessGrantedAndNoWarning() throws Exception {
        Path jar = Files.copy(ChildJvm.jar(), Files.createDirectory(tmp.resolve("mods")).resolve("walloc.jar"));
        ChildJvm.Result r = ChildJvm.run(tmp, "-Djava.io.tmpdir=" + tmp, "--module-path", jar.toString(),
                "--enable-native-access=io.walloc", "-m", "io.walloc/io.walloc.SelfCheck");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("walloc self-check ok"), r.out);
        assertFalse(r.out.contains(RESTRICTED), "access granted to the module: no warning: " + r.out);
        assertFalse(r.out.contains("WARNING"), r.out);
    }

    /**
     * jdk.jfr is {@code requires static}: on the module path it is there when something brings it
     * in (a full JDK's service binding does, through jdk.management.jfr), and then the profile's
     * samples are JFR events, recorded like any program's; without it the profile works alone.
     */
    @Test
    void jfrEventsOnTheModulePathWithJdkJfrAdded() throws Exception {
        Path jar = Files.copy(ChildJvm.jar(), Files.createDirectory(tmp.resolve("mods")).resolve("walloc.jar"));
        ChildJvm.Result without = ChildJvm.run(tmp, "-Djava.io.tmpdir=" + tmp, "--module-path", jar.toString(),
                "--enable-native-access=io.walloc", "--limit-modules", "io.walloc", "-m", "io.walloc/io.walloc.SelfCheck");
        assertEquals(0, without.exit, without.out);
        assertTrue(without.out.contains("JFR events not available"), without.out);
        Path rec = tmp.resolve("selfcheck.jfr");
        ChildJvm.Result with = ChildJvm.run(tmp, "-Djava.io.tmpdir=" + tmp, "--module-path", jar.toString(),
                "--enable-native-access=io.walloc", "-XX:StartFlightRecording:filename=" + rec, "-m", "io.walloc/io.walloc.SelfCheck");
        assertEquals(0, with.exit, with.out);
        assertTrue(with.out.contains("JFR events available"), with.out);
        long samples = RecordingFile.readAllEvents(rec).stream()
                .filter(e -> e.getEventType().getName().equals("io.walloc.AllocationSample")).count();
        assertEquals(3, samples, "one per tier: SelfCheck samples every allocation");
    }

    /** JDK 24 and later warn about JNI in a module that was not granted access: the flag above is what silences it. */
    @Test
    void withoutTheGrantJdk24AndLaterWarnNamingTheModule() throws Exception {
        ChildJvm.Result version = ChildJvm.run(tmp, "-XshowSettings:properties", "-version");
        boolean warns = version.out.lines().anyMatch(l -> l.trim().startsWith("java.specification.version = ")
                && Integer.parseInt(l.trim().substring("java.specification.version = ".length())) >= 24);
        Path jar = Files.copy(ChildJvm.jar(), Files.createDirectory(tmp.resolve("mods")).resolve("walloc.jar"));
        ChildJvm.Result r = ChildJvm.run(tmp, "-Djava.io.tmpdir=" + tmp, "--module-path", jar.toString(),
                "-m", "io.walloc/io.walloc.SelfCheck");
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("walloc self-check ok"), r.out);
        assertEquals(warns, r.out.contains(RESTRICTED), r.out);
        if (warns) {
            assertTrue(r.out.contains("io.walloc"), r.out);
        }
    }
}
