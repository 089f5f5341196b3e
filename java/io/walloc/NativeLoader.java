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
import java.util.Locale;

/**
 * Finds and loads the JNI library, once, at first use. In this order:
 * <ol>
 *   <li>the system property {@value #PROP_LIBRARY} names a library file: that file is loaded (and
 *       nothing else is tried);</li>
 *   <li>{@code System.loadLibrary("walloc_jni")} from {@code java.library.path};</li>
 *   <li>the copy packed in the jar under {@code <os>/<arch>/} is extracted into the directory named
 *       by {@value #PROP_DIR} (default: {@code java.io.tmpdir}) as
 *       {@code walloc-<sha256 prefix>/libwalloc_jni.so}, its SHA-256 checked against the resource's,
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

    static String os() {
        String n = System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT);
        if (n.startsWith("linux")) {
            return "linux";
        }
        if (n.startsWith("mac") || n.startsWith("darwin")) {
            return "macos";
        }
        if (n.startsWith("windows")) {
            return "windows";
        }
        return n.replaceAll("[^a-z0-9]", "");
    }

    static String arch() {
        String a = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        switch (a) {
            case "amd64":
            case "x86_64":
            case "x64":
                return "x86_64";
            case "aarch64":
            case "arm64":
                return "aarch64";
            default:
                return a.replaceAll("[^a-z0-9_]", "");
        }
    }

    static String resourcePath() {
        return "/" + os() + "/" + arch() + "/" + System.mapLibraryName(LIB_NAME);
    }

    static synchronized void load() {
        if (loadedFrom != null) {
            return;
        }
        String where = os() + "/" + arch();
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
        String resource = resourcePath();
        byte[] bytes;
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw fail("no native library for " + where + ": resource " + resource + " is not in the jar, "
                        + System.mapLibraryName(LIB_NAME) + " is not on java.library.path, and -D" + PROP_LIBRARY
                        + " is not set", null);
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
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Walloc: " + what + " [os.name=" + System.getProperty("os.name")
                + ", os.arch=" + System.getProperty("os.arch") + ", platform " + os() + "/" + arch() + ", resource "
                + resourcePath() + "]");
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
