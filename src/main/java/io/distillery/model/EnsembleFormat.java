package io.distillery.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Bytes of an ensemble teacher: a zip whose first entry is {@value NetworkFormat#ENTRY} with
 * {@code format=}{@value #FORMAT}, {@code kind=ensemble}, the member count and the ensemble's step count,
 * followed by one entry {@code ensemble-member-<i>} per member, each a whole {@link NetworkFormat} network.
 *
 * <p>A reader that knows only format 1 refuses these bytes: it meets the entry {@code ensemble-member-0},
 * which a single network never holds, and names it. Reading is bounded like {@link NetworkFormat}'s: every
 * entry's inflated size counts against {@link NetworkFormat#maxInflated}, and each member is then read and
 * checked as a network of its own.
 */
final class EnsembleFormat {
    static final String FORMAT = "2";
    static final String MEMBER = "ensemble-member-";
    /** Far more than any sensible ensemble, far less than what would exhaust a reader. */
    static final int MAX_MEMBERS = 16;
    private static final int MAX_PROPERTIES = 64 * 1024;

    private EnsembleFormat() {
    }

    static byte[] write(Network ensemble, boolean withUpdater, boolean withWeights) {
        List<Network> members = ensemble.members();
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("kind", "ensemble");
        p.setProperty("members", Integer.toString(members.size()));
        p.setProperty("steps", Long.toString(ensemble.steps()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            // Each member is a zip of hardly compressible floats already.
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(NetworkFormat.ENTRY));
            p.store(zip, "Distillery ensemble teacher");
            zip.closeEntry();
            for (int i = 0; i < members.size(); i++) {
                zip.putNextEntry(new ZipEntry(MEMBER + i));
                zip.write(NetworkFormat.write(members.get(i), withUpdater, withWeights));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + ensemble, e);
        }
        return out.toByteArray();
    }

    /** Whether the first entry is the properties of an ensemble (false for anything else, even unreadable). */
    static boolean isEnsemble(byte[] bytes) {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            ZipEntry first = in.getNextEntry();
            if (first == null || !NetworkFormat.ENTRY.equals(first.getName())) {
                return false;
            }
            return FORMAT.equals(properties(in).getProperty("format"));
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** @param graph the ONNX graph's weights, for members that leave theirs to it (member {@code i}'s, {@code m<i>_}) */
    static Network read(byte[] bytes, boolean withUpdater, OnnxWeights graph) {
        long budget = NetworkFormat.maxInflated(bytes.length);
        long inflated = 0;
        Properties props = null;
        List<byte[]> members = new ArrayList<>();
        byte[] buffer = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                if (props == null && NetworkFormat.ENTRY.equals(name)) {
                    props = properties(in);
                } else if (props != null && name.equals(MEMBER + members.size()) && members.size() < MAX_MEMBERS) {
                    ByteArrayOutputStream member = new ByteArrayOutputStream();
                    inflated += NetworkFormat.copyBounded(in, member, buffer, budget - inflated, name);
                    members.add(member.toByteArray());
                } else {
                    throw new IllegalArgumentException("unexpected zip entry " + NetworkFormat.quoted(name)
                        + " in an ensemble: it holds " + NetworkFormat.ENTRY + " then " + MEMBER
                        + "0, 1, ... (at most " + MAX_MEMBERS + ")");
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a zip: " + e.getMessage(), e);
        }
        int count = Integer.parseInt(props.getProperty("members", "-1"));
        if (count != members.size()) {
            throw new IllegalArgumentException("the ensemble says it has " + count + " members, the zip holds "
                + members.size());
        }
        List<Network> networks = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Network member = NetworkFormat.read(members.get(i), withUpdater, graph.member(i));
            if (member.isEnsemble() || member.isStudent()) {
                throw new IllegalArgumentException("ensemble member " + i + " is not a plain teacher: " + member);
            }
            networks.add(member);
        }
        return Network.ensemble(networks, Long.parseLong(props.getProperty("steps", "0")));
    }

    private static Properties properties(ZipInputStream in) throws IOException {
        byte[] text = in.readNBytes(MAX_PROPERTIES + 1);
        if (text.length > MAX_PROPERTIES) {
            throw new IllegalArgumentException(NetworkFormat.ENTRY + " is larger than " + MAX_PROPERTIES + " bytes");
        }
        Properties p = new Properties();
        p.load(new ByteArrayInputStream(text));
        return p;
    }
}
