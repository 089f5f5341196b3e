package io.walloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which library the loader picks for a platform: tested for every platform the jar is built for,
 * including the ones whose JVM cannot run here (Windows), from the os.name / os.arch values
 * those JVMs report.
 */
class NativeLoaderPlatformTest {

    @Test
    void linuxOnBothArchitecturesWithTheirAliases() {
        assertEquals("linux-x86_64", NativeLoader.platform("Linux", "amd64", false));
        assertEquals("linux-x86_64", NativeLoader.platform("Linux", "x86_64", false));
        assertEquals("linux-aarch_64", NativeLoader.platform("Linux", "aarch64", false));
        assertEquals("linux-aarch_64", NativeLoader.platform("Linux", "arm64", false));
        assertEquals("/io/walloc/native/linux-aarch_64/libwalloc_jni.so", NativeLoader.resourcePath("linux-aarch_64"));
    }

    @Test
    void windowsNamesTheDllWithoutLibPrefix() {
        assertEquals("windows-x86_64", NativeLoader.platform("Windows 11", "amd64", false));
        assertEquals("windows-x86_64", NativeLoader.platform("Windows Server 2022", "AMD64", false));
        assertEquals("/io/walloc/native/windows-x86_64/walloc_jni.dll", NativeLoader.resourcePath("windows-x86_64"));
        assertEquals("windows-aarch_64", NativeLoader.platform("Windows 11", "aarch64", false));
    }

    @Test
    void unbuiltPlatformsGetNamesNoJarHolds() {
        assertEquals("osx-aarch_64", NativeLoader.platform("Mac OS X", "aarch64", false));
        assertEquals("freebsd-x86_64", NativeLoader.platform("FreeBSD", "amd64", false));
        assertEquals("linux-riscv64", NativeLoader.platform("Linux", "riscv64", false));
        for (String p : new String[] {"osx-aarch_64", "freebsd-x86_64", "linux-riscv64", "windows-aarch_64"}) {
            assertTrue(!NativeLoader.PLATFORMS.contains(p), p);
        }
    }

    @Test
    void muslLinuxIsRefusedNamingWhatTheJarHolds() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLoader.platform("Linux", "amd64", true));
        assertTrue(e.getMessage().contains("musl"), e.getMessage());
        assertTrue(e.getMessage().contains("holds"), e.getMessage());
        // musl is a Linux matter only
        assertEquals("windows-x86_64", NativeLoader.platform("Windows 10", "amd64", true));
    }

    @Test
    void theBuildPacksEveryPlatformItWasAskedFor() {
        // target/classes holds what this build produced: at least this JVM's own platform
        assertTrue(NativeLoader.packedPlatforms().contains(NativeLoader.platform()), NativeLoader.packedPlatforms().toString());
        String wanted = System.getProperty("walloc.test.platforms", "");
        for (String p : wanted.split(",")) {
            if (!p.isBlank()) {
                assertTrue(NativeLoader.packedPlatforms().contains(p.trim()), p + " in " + NativeLoader.packedPlatforms());
            }
        }
    }
}
