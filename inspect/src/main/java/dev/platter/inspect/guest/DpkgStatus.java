package dev.platter.inspect.guest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The installed packages of a Debian-family guest, from /var/lib/dpkg/status, read as libguestfs reads it: a
 * stanza counts when its Status says "installed" and it has a name and a version ("[epoch:]version[-release]");
 * a stanza is closed by a blank line.
 */
final class DpkgStatus {
    /** The status file is not read beyond this size. */
    static final int MAX_SIZE = 50_000_000;

    private DpkgStatus() {
    }

    static List<Application> parse(byte[] status) {
        List<Application> apps = new ArrayList<>();
        String name = null;
        String version = null;
        String release = null;
        String arch = null;
        String url = null;
        String source = null;
        String summary = null;
        StringBuilder description = null;
        boolean inDescription = false;
        int epoch = 0;
        boolean installed = false;
        for (String line : new String(status, StandardCharsets.UTF_8).split("\n", -1)) {
            if (line.startsWith(" ") && inDescription) {
                if (description == null) {
                    description = new StringBuilder(line.substring(1));
                } else {
                    description.append('\n').append(line, 1, line.length());
                }
                continue;
            }
            inDescription = false;
            if (line.startsWith("Package: ")) {
                name = line.substring(9);
            } else if (line.startsWith("Status: ")) {
                installed = line.substring(8).contains("installed");
            } else if (line.startsWith("Version: ")) {
                String v = line.substring(9);
                int colon = v.indexOf(':');
                if (colon >= 0) {
                    epoch = parseEpoch(v.substring(0, colon));
                    v = v.substring(colon + 1);
                } else {
                    epoch = 0;
                }
                int dash = v.indexOf('-');
                release = dash >= 0 ? v.substring(dash + 1) : null;
                version = dash >= 0 ? v.substring(0, dash) : v;
            } else if (line.startsWith("Architecture: ")) {
                arch = line.substring(14);
            } else if (line.startsWith("Homepage: ")) {
                url = line.substring(10);
            } else if (line.startsWith("Source: ")) {
                String s = line.substring(8);
                int sp = s.indexOf(' ');
                source = sp >= 0 ? s.substring(0, sp) : s;
            } else if (line.startsWith("Description: ")) {
                summary = line.substring(13);
                inDescription = true;
            } else if (line.isEmpty()) {
                if (installed && name != null && version != null && epoch >= 0) {
                    apps.add(new Application(name, epoch, version, release == null ? "" : release,
                            arch == null ? "" : arch, url == null ? "" : url, source == null ? "" : source,
                            summary == null ? "" : summary, description == null ? "" : description.toString()));
                }
                name = version = release = arch = url = source = summary = null;
                description = null;
                installed = false;
            }
        }
        apps.sort(Comparator.comparing(Application::name));
        return apps;
    }

    private static int parseEpoch(String s) {
        try {
            int e = Integer.parseInt(s);
            return e < 0 ? -1 : e;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
