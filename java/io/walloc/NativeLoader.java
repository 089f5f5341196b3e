package io.walloc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds and loads the JNI library, once, at first use. In this order:
 * <ol>
 *   <li>the system property {@value #PROP_LIBRARY} names a library file: that file is loaded (and
 *       nothing else is tried);</li>
 *   <li>{@code System.loadLibrary("walloc_jni")} from {@code java.library.path};</li>
 *   <li>the copy packed in the jar under {@code io/walloc/native/<platform>/} ({@link #PLATFORMS}) is extracted into the directory named
 *       by {@value #PROP_DIR} (default: {@code java.io.tmpdir}) as
 *       {@code walloc-<sha256 prefix>/libwalloc_jni.so} ({@code walloc_jni.dll} on Windows), its SHA-256 checked against the resource's,
 *       and loaded with {@code System.load}. An existing file with the right digest is reused.</li>
 * </ol>
 * A failure throws {@link UnsatisfiedLinkError} naming the OS, the architecture, the resource and
 * what was tried; when the extraction directory is mounted {@code noexec}, it says to set
 * {@value #PROP_DIR}.
 */
final class NativeLoader {
    static final String PROP_LIBRARY = "walloc.library";
    static final String PROP_DIR = "walloc.library.dir";
    static final String LIB_NAME = "walloc_jni";

    private static volatile String loadedFrom;

    private NativeLoader() {}

    static String loadedFrom() {
        return loadedFrom;
    }

    /** The platforms a Walloc jar is built for (os-maven-plugin's names), in the jar under {@link #RESOURCE_DIR}. */
    static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch_64", "windows-x86_64");
    static final String RESOURCE_DIR = "/io/walloc/native/";

    /** This JVM's platform, or an {@link UnsatisfiedLinkError} saying why there is none in the jar. */
    static String platform() {
        return platform(System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"), isMusl());
    }

    /**
     * The platform name for an {@code os.name} / {@code os.arch} pair, with the usual aliases
     * ({@code amd64} = {@code x86_64}, {@code arm64} = {@code aarch64}): {@code linux-x86_64},
     * {@code linux-aarch_64}, {@code windows-x86_64}, or another {@code <os>-<arch>} that no jar holds.
     * {@code musl}: the C library is musl (Alpine), which the glibc-linked Linux builds cannot load.
     */
    static String platform(String osName, String osArch, boolean musl) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            if (musl) {
                throw new UnsatisfiedLinkError("Walloc: musl-based Linux (such as Alpine) is not supported: the jar's "
                        + "Linux libraries need glibc; this jar holds " + String.join(", ", packedPlatforms()));
            }
            os = "linux";
        } else if (os.startsWith("windows")) {
            os = "windows";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            os = "osx";
        } else {
            os = os.replaceAll("[^a-z0-9]", "");
        }
        String arch = osArch.toLowerCase(Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
            case "x64":
                arch = "x86_64";
                break;
            case "aarch64":
            case "arm64":
                arch = "aarch_64";
                break;
            default:
                arch = arch.replaceAll("[^a-z0-9_]", "");
        }
        return os + "-" + arch;
    }

    /** The library's file name on a platform ({@code libwalloc_jni.so}, {@code walloc_jni.dll}). */
    static String libraryFile(String platform) {
        if (platform.startsWith("windows-")) {
            return LIB_NAME + ".dll";
        }
        return "lib" + LIB_NAME + (platform.startsWith("osx-") ? ".dylib" : ".so");
    }

    static String resourcePath(String platform) {
        return RESOURCE_DIR + platform + "/" + libraryFile(platform);
    }

    /** Which of {@link #PLATFORMS} this jar (or class path) actually carries a library for. */
    static List<String> packedPlatforms() {
        List<String> have = new ArrayList<>();
        for (String p : PLATFORMS) {
            if (NativeLoader.class.getResource(resourcePath(p)) != null) {
                have.add(p);
            }
        }
        return have;
    }

    /** True when this process runs on musl: its C library shows up in the process's own mappings. */
    private static boolean isMusl() {
        try {
            Path maps = Paths.get("/proc/self/maps");
            if (!Files.isReadable(maps)) {
                return false;
            }
            for (String line : Files.readAllLines(maps)) {
                if (line.contains("/ld-musl-") || line.contains("/libc.musl-")) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc unreadable: glibc is the only C library the check could miss
        }
        return false;
    }

    static synchronized void load() {
        if (loadedFrom != null) {
            return;
        }
        String explicit = System.getProperty(PROP_LIBRARY);
        if (explicit != null && !explicit.isEmpty()) {
            Path p = Paths.get(explicit).toAbsolutePath();
            try {
                System.load(p.toString());
            } catch (UnsatisfiedLinkError e) {
                throw fail("cannot load " + p + " named by -D" + PROP_LIBRARY + " (" + e.getMessage() + ")", e);
            }
            loadedFrom = p.toString();
            checkAbi();
            return;
        }
        try {
            System.loadLibrary(LIB_NAME);
            loadedFrom = "java.library.path";
            checkAbi();
            return;
        } catch (UnsatisfiedLinkError notOnPath) {
            // fall through to the packed copy
        }
        String platform = platform(); // musl and unknown platforms fail here, with what the jar holds
        String resource = resourcePath(platform);
        byte[] bytes;
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw fail("no native library for " + platform + ": resource " + resource + " is not in the jar "
                        + "(it holds " + String.join(", ", packedPlatforms()) + "), " + System.mapLibraryName(LIB_NAME)
                        + " is not on java.library.path, and -D" + PROP_LIBRARY + " is not set", null);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw fail("cannot read resource " + resource + ": " + e, e);
        }
        String digest = sha256(bytes);
        String dirProp = System.getProperty(PROP_DIR);
        Path base = Paths.get(dirProp != null && !dirProp.isEmpty() ? dirProp : System.getProperty("java.io.tmpdir"));
        Path dir = base.resolve("walloc-" + digest.substring(0, 16));
        Path file = dir.resolve(System.mapLibraryName(LIB_NAME));
        try {
            if (!Files.isRegularFile(file) || !sha256(Files.readAllBytes(file)).equals(digest)) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, "lib", ".tmp");
                Files.write(tmp, bytes);
                if (!sha256(Files.readAllBytes(tmp)).equals(digest)) {
                    Files.deleteIfExists(tmp);
                    throw fail("extracted copy of " + resource + " in " + dir + " does not match the resource's SHA-256", null);
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw fail("cannot extract " + resource + " into " + dir + " (" + e + "); set -D" + PROP_DIR
                    + "=<a writable directory>", e);
        }
        try {
            System.load(file.toString());
        } catch (UnsatisfiedLinkError e) {
            String msg = String.valueOf(e.getMessage());
            String hint = msg.contains("failed to map segment") || msg.contains("Operation not permitted")
                    || msg.contains("noexec")
                    ? "; the directory is probably mounted noexec: set -D" + PROP_DIR + "=<a directory on an exec mount>"
                    : "; if " + base + " is mounted noexec, set -D" + PROP_DIR + "=<a directory on an exec mount>";
            throw fail("cannot load " + file + " extracted from resource " + resource + " (" + msg + ")" + hint, e);
        }
        loadedFrom = file.toString();
        checkAbi();
    }

    private static void checkAbi() {
        int abi = WallocNative.abiVersion();
        if (abi != WallocNative.ABI_VERSION) {
            throw fail("native library from " + loadedFrom + " has ABI version " + abi + ", this jar needs "
                    + WallocNative.ABI_VERSION, null);
        }
    }

    private static UnsatisfiedLinkError fail(String what, Throwable cause) {
        String platform = platform(System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"), false);
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Walloc: " + what + " [os.name=" + System.getProperty("os.name")
                + ", os.arch=" + System.getProperty("os.arch") + ", platform " + platform + ", resource "
                + resourcePath(platform) + "]");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private static String sha256(byte[] b) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b);
            StringBuilder sb = new StringBuilder(64);
            for (byte x : d) {
                sb.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
