package io.distillery.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Versions of the code that produced a snapshot, for its manifest. Read from the jars' Maven
 * metadata on the classpath, so this package needs no DL4J import; a version that cannot be found
 * reads "unknown" (e.g. Distillery itself when run from classes rather than its jar).
 */
public final class LibraryVersions {

    private static final String UNKNOWN = "unknown";
    private static final Map<String, String> CURRENT = Map.copyOf(read());

    private LibraryVersions() {
    }

    /** Keys {@code java}, {@code dl4j}, {@code nd4j}, {@code distillery}; never null values. */
    public static Map<String, String> current() {
        return CURRENT;
    }

    private static Map<String, String> read() {
        Map<String, String> versions = new TreeMap<>();
        versions.put("java", System.getProperty("java.version", UNKNOWN));
        versions.put("dl4j", pomVersion("org.deeplearning4j", "deeplearning4j-nn"));
        versions.put("nd4j", pomVersion("org.nd4j", "nd4j-api"));
        String own = LibraryVersions.class.getPackage().getImplementationVersion();
        versions.put("distillery", own != null ? own : pomVersion("io.distillery", "distillery"));
        return versions;
    }

    private static String pomVersion(String groupId, String artifactId) {
        String resource = "META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        ClassLoader loader = LibraryVersions.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", UNKNOWN);
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
