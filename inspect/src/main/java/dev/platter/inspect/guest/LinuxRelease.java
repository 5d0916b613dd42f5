package dev.platter.inspect.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Linux distribution and version a root filesystem holds, from its release files, tried in libguestfs's
 * order (inspect_fs_unix.ml): /etc/os-release, /etc/lsb-release, then the distribution-specific files. A test
 * whose file exists and parses ends the search; one that fails passes on to the next, keeping what it set.
 */
final class LinuxRelease {
    /** Release files larger than this are not read. */
    static final int MAX_FILE = 1 << 20;

    /** What the tests fill in; null where nothing was found. */
    static final class Data {
        String distro;
        String productName;
        Integer major;
        Integer minor;

        void version(int maj, int min) {
            major = maj;
            minor = min;
        }
    }

    private interface Parser {
        boolean parse(Mounts m, String file, Data d) throws IOException;
    }

    private record Test(String file, Parser parser) {
    }

    private static final Pattern FEDORA = Pattern.compile("Fedora release (\\d+)");
    private static final Pattern RHEL_OLD = Pattern.compile("Red Hat.*release (\\d+).*Update (\\d+)");
    private static final Pattern RHEL = Pattern.compile("Red Hat.*release (\\d+)\\.(\\d+)");
    private static final Pattern RHEL_NO_MINOR = Pattern.compile("Red Hat.*release (\\d+)");
    private static final Pattern CENTOS_OLD = Pattern.compile("CentOS.*release (\\d+).*Update (\\d+)");
    private static final Pattern CENTOS = Pattern.compile("CentOS.*release (\\d+)\\.(\\d+)");
    private static final Pattern CENTOS_NO_MINOR = Pattern.compile("CentOS.*release (\\d+)");
    private static final Pattern SL_OLD = Pattern.compile("Scientific Linux.*release (\\d+).*Update (\\d+)");
    private static final Pattern SL = Pattern.compile("Scientific Linux.*release (\\d+)\\.(\\d+)");
    private static final Pattern SL_NO_MINOR = Pattern.compile("Scientific Linux.*release (\\d+)");
    private static final Pattern OL_OLD = Pattern.compile("Oracle Linux.*release (\\d+).*Update (\\d+)");
    private static final Pattern OL = Pattern.compile("Oracle Linux.*release (\\d+)\\.(\\d+)");
    private static final Pattern OL_NO_MINOR = Pattern.compile("Oracle Linux.*release (\\d+)");
    private static final Pattern FRUGALWARE = Pattern.compile("Frugalware (\\d+)\\.(\\d+)");
    private static final Pattern PLD = Pattern.compile("(\\d+)\\.(\\d+) PLD Linux");
    private static final Pattern MAJOR_MINOR = Pattern.compile("(\\d+)\\.(\\d+)");
    private static final Pattern MAJOR = Pattern.compile("(\\d+)");
    private static final Pattern NEOKYLIN = Pattern.compile("^V(\\d+)Update(\\d+)$");
    private static final Pattern OPENSUSE = Pattern.compile("^(openSUSE|SuSE Linux|SUSE LINUX) ");
    private static final Pattern SLES = Pattern.compile("^SUSE (Linux|LINUX) Enterprise ");
    private static final Pattern NLD = Pattern.compile("^Novell Linux Desktop ");
    private static final Pattern SLES_VERSION = Pattern.compile("^VERSION = (\\d+)");
    private static final Pattern SLES_PATCHLEVEL = Pattern.compile("^PATCHLEVEL = (\\d+)");

    private static final List<Test> TESTS = List.of(
            new Test("/etc/os-release", LinuxRelease::osRelease),
            new Test("/etc/lsb-release", LinuxRelease::lsbRelease),
            new Test("/etc/oracle-release", generic("oraclelinux", OL_OLD)),
            new Test("/etc/oracle-release", generic("oraclelinux", OL)),
            new Test("/etc/oracle-release", generic("oraclelinux", OL_NO_MINOR)),
            new Test("/etc/centos-release", generic("centos", CENTOS_OLD)),
            new Test("/etc/centos-release", generic("centos", CENTOS)),
            new Test("/etc/centos-release", generic("centos", CENTOS_NO_MINOR)),
            new Test("/etc/altlinux-release", generic("altlinux", null)),
            new Test("/etc/redhat-release", generic("fedora", FEDORA)),
            new Test("/etc/redhat-release", generic("rhel", RHEL_OLD)),
            new Test("/etc/redhat-release", generic("rhel", RHEL)),
            new Test("/etc/redhat-release", generic("rhel", RHEL_NO_MINOR)),
            new Test("/etc/redhat-release", generic("centos", CENTOS_OLD)),
            new Test("/etc/redhat-release", generic("centos", CENTOS)),
            new Test("/etc/redhat-release", generic("centos", CENTOS_NO_MINOR)),
            new Test("/etc/redhat-release", generic("scientificlinux", SL_OLD)),
            new Test("/etc/redhat-release", generic("scientificlinux", SL)),
            new Test("/etc/redhat-release", generic("scientificlinux", SL_NO_MINOR)),
            new Test("/etc/redhat-release", generic("redhat-based", null)),
            new Test("/etc/redhat-release", (m, f, d) -> {
                d.distro = "redhat-based";
                return true;
            }),
            new Test("/etc/debian_version", generic("debian", null)),
            new Test("/etc/pardus-release", generic("pardus", null)),
            new Test("/etc/arch-release", (m, f, d) -> {
                d.distro = "archlinux";
                return true;
            }),
            new Test("/etc/gentoo-release", generic("gentoo", null)),
            new Test("/etc/meego-release", generic("meego", null)),
            new Test("/etc/slackware-version", generic("slackware", null)),
            new Test("/etc/ttylinux-target", generic("ttylinux", null)),
            new Test("/etc/SuSE-release", LinuxRelease::suseRelease),
            new Test("/etc/SuSE-release", (m, f, d) -> {
                d.distro = "suse-based";
                return true;
            }),
            new Test("/etc/cirros/version", generic("cirros", null)),
            new Test("/etc/br-version", (m, f, d) -> {
                GuestFile logo = exists(m, "/usr/share/cirros/logo");
                String distro = logo != null && logo.type() == dev.platter.inspect.fs.FileType.REGULAR
                        ? "cirros" : "buildroot";
                return generic(distro, null).parse(m, f, d);
            }),
            new Test("/etc/alpine-release", generic("alpinelinux", null)),
            new Test("/etc/frugalware-release", generic("frugalware", FRUGALWARE)),
            new Test("/etc/pld-release", generic("pldlinux", PLD)));

    private LinuxRelease() {
    }

    /** Runs the tests in order on the root mounted in {@code m}. */
    static Data detect(Mounts m) throws IOException {
        Data d = new Data();
        for (Test t : TESTS) {
            GuestFile f = exists(m, t.file);
            if (f != null && f.type() == dev.platter.inspect.fs.FileType.REGULAR && t.parser.parse(m, t.file, d)) {
                break;
            }
        }
        return d;
    }

    /** The file at {@code path} following symlinks, or null when the lookup fails. */
    static GuestFile exists(Mounts m, String path) throws IOException {
        try {
            return m.stat(path);
        } catch (GuestFileException e) {
            return null;
        }
    }

    /** The lines of a small regular file, or null. */
    static List<String> lines(Mounts m, String path) throws IOException {
        byte[] b = m.readSmallFile(path, MAX_FILE);
        if (b == null) {
            return null;
        }
        List<String> out = new ArrayList<>(List.of(new String(b, StandardCharsets.UTF_8).split("\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    /** KEY=VALUE lines, comments and blanks skipped, values shell-unquoted. */
    static List<String[]> keyValues(List<String> lines) {
        List<String[]> out = new ArrayList<>();
        for (String l : lines) {
            if (l.isEmpty() || l.charAt(0) == '#') {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                continue;
            }
            out.add(new String[] {l.substring(0, eq), Fstab.unquote(l.substring(eq + 1))});
        }
        return out;
    }

    static void parseVersion(String s, Data d) {
        Matcher mm = MAJOR_MINOR.matcher(s);
        if (mm.find()) {
            d.version(toInt(mm.group(1)), toInt(mm.group(2)));
            return;
        }
        Matcher m = MAJOR.matcher(s);
        if (m.find()) {
            d.version(toInt(m.group(1)), 0);
        }
    }

    private static int toInt(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean osRelease(Mounts m, String file, Data d) throws IOException {
        List<String> lines = lines(m, file);
        if (lines == null) {
            return false;
        }
        for (String[] kv : keyValues(lines)) {
            switch (kv[0]) {
                case "ID" -> {
                    String distro = distroOfOsReleaseId(kv[1]);
                    if (distro != null) {
                        d.distro = distro;
                    }
                }
                case "PRETTY_NAME" -> d.productName = kv[1];
                case "VERSION_ID" -> {
                    Matcher nk = NEOKYLIN.matcher(kv[1]);
                    if (nk.find()) {
                        d.version(toInt(nk.group(1)), toInt(nk.group(2)));
                    } else {
                        parseVersion(kv[1], d);
                    }
                }
                default -> { }
            }
        }
        if (d.distro == null || d.productName == null) {
            return false;
        }
        // Debian's and CentOS's os-release give only the major version: the release files say more.
        if ((d.distro.equals("debian") || d.distro.equals("centos")) && d.major != null && d.minor == 0) {
            return false;
        }
        if (d.distro.equals("voidlinux") && d.major == null) {
            d.version(0, 0);
            return true;
        }
        return d.major != null;
    }

    private static String distroOfOsReleaseId(String id) {
        return switch (id) {
            case "alpine" -> "alpinelinux";
            case "altlinux" -> "altlinux";
            case "arch" -> "archlinux";
            case "centos" -> "centos";
            case "coreos" -> "coreos";
            case "debian" -> "debian";
            case "fedora" -> "fedora";
            case "frugalware" -> "frugalware";
            case "kali" -> "kalilinux";
            case "mageia" -> "mageia";
            case "neokylin" -> "neokylin";
            case "opensuse" -> "opensuse";
            case "pld" -> "pldlinux";
            case "rhel" -> "rhel";
            case "sles", "sled" -> "sles";
            case "ubuntu" -> "ubuntu";
            case "void" -> "voidlinux";
            default -> id.startsWith("opensuse-") ? "opensuse" : null;
        };
    }

    private static boolean lsbRelease(Mounts m, String file, Data d) throws IOException {
        List<String> lines = lines(m, file);
        if (lines == null) {
            return false;
        }
        boolean ok = false;
        for (String[] kv : keyValues(lines)) {
            String v = kv[1].length() >= 2 && kv[1].startsWith("\"") && kv[1].endsWith("\"")
                    ? kv[1].substring(1, kv[1].length() - 1) : kv[1];
            switch (kv[0]) {
                case "DISTRIB_ID" -> {
                    String distro = switch (v) {
                        case "CoreOS" -> "coreos";
                        case "LinuxMint" -> "linuxmint";
                        case "Mageia" -> "mageia";
                        case "Ubuntu" -> "ubuntu";
                        default -> null;
                    };
                    if (distro != null) {
                        ok = true;
                        d.distro = distro;
                    }
                }
                case "DISTRIB_RELEASE" -> parseVersion(v, d);
                case "DISTRIB_DESCRIPTION" -> {
                    ok = true;
                    d.productName = v;
                }
                default -> { }
            }
        }
        return ok;
    }

    private static boolean suseRelease(Mounts m, String file, Data d) throws IOException {
        List<String> lines = lines(m, file);
        if (lines == null || lines.isEmpty()) {
            return false;
        }
        String product = lines.get(0);
        d.productName = product;
        if (SLES.matcher(product).find() || NLD.matcher(product).find()) {
            Integer major = null;
            Integer minor = null;
            if (lines.size() >= 2) {
                Matcher v = SLES_VERSION.matcher(lines.get(1));
                if (v.find()) {
                    major = toInt(v.group(1));
                }
            }
            if (lines.size() >= 3) {
                Matcher p = SLES_PATCHLEVEL.matcher(lines.get(2));
                if (p.find()) {
                    minor = toInt(p.group(1));
                }
            }
            d.distro = "sles";
            if (major != null) {
                d.version(major, minor == null ? 0 : minor);
            } else {
                d.major = null;
                d.minor = null;
            }
        } else if (OPENSUSE.matcher(product).find()) {
            if (lines.size() >= 2) {
                parseVersion(lines.get(1), d);
            }
            d.distro = "opensuse";
        }
        return true;
    }

    /** The first line is the product name; an optional pattern gives major and minor (and must match). */
    private static Parser generic(String distro, Pattern rex) {
        return (m, file, d) -> {
            List<String> lines = lines(m, file);
            String product = lines == null || lines.isEmpty() ? "" : lines.get(0);
            if (product.isEmpty()) {
                return false;
            }
            d.productName = product;
            d.distro = distro;
            if (rex == null) {
                parseVersion(product, d);
                return true;
            }
            Matcher x = rex.matcher(product);
            if (!x.find()) {
                return false;
            }
            if (x.groupCount() >= 1 && x.group(1) != null) {
                int major = toInt(x.group(1));
                int minor = x.groupCount() >= 2 && x.group(2) != null ? toInt(x.group(2)) : 0;
                d.version(major, minor);
            }
            return true;
        };
    }
}
