package io.distillery.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where ONNX Runtime loads its native libraries from: one copy per machine and library build, kept in a cache
 * directory, instead of ONNX Runtime's own copy per process.
 *
 * <p>Why: left to itself, ONNX Runtime (1.23) copies its two libraries (22 MB on linux-x64) out of its jar into a
 * new {@code onnxruntime-java*} temporary directory in every JVM and deletes them at a normal exit only. A role
 * that is killed, or exits on {@code -XX:+ExitOnOutOfMemoryError}, leaves its copy behind, and the directory stays
 * even after a normal exit. A pod's {@code /tmp} is an {@code emptyDir} that outlives container restarts, so a
 * role that restarts often fills it, and the pod is evicted when it passes its size limit.
 *
 * <p>How: before ONNX Runtime is first used, the libraries of this platform are copied from the classpath into
 * {@code <cache>/<platform>-<crc>-<crc>/} (the CRC-32s of the two libraries as the jar records them, so another
 * build gets another directory), each through a temporary file and an atomic rename, so processes starting
 * together never load a half-written file; then {@code onnxruntime.native.path} points there. The cache is
 * {@code -Ddistillery.onnxruntime.cachedir} (set in {@code deploy/jvm.options}), else {@code distillery-onnxruntime}
 * under {@code java.io.tmpdir}. It is created readable and writable by its owner only, and not used when it
 * belongs to another user or others may write to it (native code is loaded from it). When
 * {@code onnxruntime.native.path} is already set, when the platform's libraries are not on the classpath, or
 * when the cache cannot be used (a warning says why), nothing changes and ONNX Runtime extracts as it always did.
 */
public final class OrtNatives {
    /** ONNX Runtime's property: a directory holding its native libraries, loaded from there without a copy. */
    public static final String NATIVE_PATH = "onnxruntime.native.path";
    /** Our property: the cache directory. */
    public static final String CACHE_DIR = "distillery.onnxruntime.cachedir";

    private static final Logger LOG = LoggerFactory.getLogger(OrtNatives.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final List<String> LIBRARIES = List.of("onnxruntime", "onnxruntime4j_jni");

    private static boolean prepared;

    private OrtNatives() {
    }

    /**
     * Points ONNX Runtime at the cached libraries, copying them there first if needed; once per JVM, before the
     * first {@code OrtEnvironment}. Never throws: on any problem ONNX Runtime's own extraction stays in place.
     */
    public static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty(NATIVE_PATH) != null) {
            return;
        }
        Path cache = Path.of(System.getProperty(CACHE_DIR,
            Path.of(System.getProperty("java.io.tmpdir"), "distillery-onnxruntime").toString()));
        try {
            Optional<Path> dir = install(cache, OrtNatives.class.getClassLoader());
            if (dir.isPresent()) {
                System.setProperty(NATIVE_PATH, dir.get().toString());
                LOG.info("ONNX Runtime loads its native libraries from {}", dir.get());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("ONNX Runtime's native libraries are not cached in {} ({}); it extracts its own copy for this "
                + "process", cache, e.toString());
        }
    }

    /**
     * Copies this platform's ONNX Runtime libraries from {@code loader}'s classpath into a directory of
     * {@code cache} unless they are there already, and returns that directory; empty when the classpath has no
     * libraries for this platform.
     *
     * @throws IOException if the cache cannot be created or written, or is not safe to load code from
     */
    static Optional<Path> install(Path cache, ClassLoader loader) throws IOException {
        Optional<String> platform = platform();
        if (platform.isEmpty()) {
            return Optional.empty();
        }
        List<Library> libraries = new ArrayList<>();
        for (String name : LIBRARIES) {
            String file = System.mapLibraryName(name);
            URL url = loader.getResource("ai/onnxruntime/native/" + platform.get() + "/" + file);
            if (url == null) {
                return Optional.empty();
            }
            libraries.add(Library.of(file, url));
        }
        StringBuilder key = new StringBuilder(platform.get());
        libraries.forEach(l -> key.append('-').append(Long.toHexString(l.crc())));
        Path dir = ownDirectory(ownDirectory(cache).resolve(key.toString()));
        for (Library l : libraries) {
            Path target = dir.resolve(l.file());
            if (!Files.isRegularFile(target) || Files.size(target) != l.size()) {
                copy(l, target);
            }
        }
        return Optional.of(dir);
    }

    /** The directory, created for its owner only if absent; refused if another user owns it or others may write. */
    private static Path ownDirectory(Path dir) throws IOException {
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // someone made it first: checked below like any existing directory
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
        if (permissions.contains(PosixFilePermission.GROUP_WRITE)
            || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " may be written by others (" + PosixFilePermissions.toString(permissions)
                + ")");
        }
        Path probe = Files.createTempFile(dir, ".owner", ".tmp");
        try {
            Object ours = Files.getAttribute(probe, "unix:uid");
            Object owner = Files.getAttribute(dir, "unix:uid");
            if (!ours.equals(owner)) {
                throw new IOException(dir + " belongs to uid " + owner + ", not to this process's uid " + ours);
            }
        } finally {
            Files.deleteIfExists(probe);
        }
        return dir;
    }

    /** Copies through a temporary file in the same directory, checks the CRC, and renames it into place. */
    private static void copy(Library l, Path target) throws IOException {
        Path part = Files.createTempFile(target.getParent(), l.file(), ".part");
        try {
            CRC32 crc = new CRC32();
            try (InputStream in = new CheckedInputStream(l.url().openStream(), crc);
                 OutputStream out = Files.newOutputStream(part)) {
                in.transferTo(out);
            }
            if (crc.getValue() != l.crc()) {
                throw new IOException(l.url() + " read with CRC " + Long.toHexString(crc.getValue()) + ", expected "
                    + Long.toHexString(l.crc()));
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** ONNX Runtime's name for this platform's directory in its jar, as its own loader computes it. */
    static Optional<String> platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osPart = os.contains("linux") ? "linux" : os.contains("mac") || os.contains("darwin") ? "osx"
            : os.contains("win") ? "win" : null;
        String archPart = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
        return osPart == null || archPart == null ? Optional.empty() : Optional.of(osPart + "-" + archPart);
    }

    /** One library in the jar: its size and CRC-32 from the jar's directory, read without inflating it. */
    private record Library(String file, URL url, long size, long crc) {
        static Library of(String file, URL url) throws IOException {
            URLConnection c = url.openConnection();
            if (c instanceof JarURLConnection jar && jar.getJarEntry() != null && jar.getJarEntry().getCrc() >= 0) {
                return new Library(file, url, jar.getJarEntry().getSize(), jar.getJarEntry().getCrc());
            }
            CRC32 crc = new CRC32();
            long size;
            try (InputStream in = new CheckedInputStream(url.openStream(), crc)) {
                size = in.transferTo(OutputStream.nullOutputStream());
            }
            return new Library(file, url, size, crc.getValue());
        }
    }
}
