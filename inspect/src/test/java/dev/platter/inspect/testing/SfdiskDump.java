package dev.platter.inspect.testing;

import dev.platter.testdata.Tool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What util-linux says about a disk image, the oracle for partition tables: {@code sfdisk -d} for 512-byte
 * sectors, {@code fdisk -b 4096 -l} for 4096-byte ones (sfdisk 2.38 cannot be told the sector size of a file).
 */
public record SfdiskDump(String label, List<Entry> entries) {

    /** One partition line, in sectors of the dump's sector size. */
    public record Entry(int number, long start, long size, String type, String uuid, String name, boolean bootable) {
    }

    private static final Pattern LINE = Pattern.compile("^(\\S+?)(\\d+) : start=\\s*(\\d+), size=\\s*(\\d+), type=([^,\\s]+)(.*)$");

    public static SfdiskDump of(Path image, int sectorSize) {
        if (sectorSize != 512) {
            return fdisk(image, sectorSize);
        }
        String out = Tool.run("sfdisk", "-d", image.toString()).ok().stdout();
        String label = null;
        List<Entry> entries = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("label: ")) {
                label = line.substring(7).trim();
            }
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                String rest = m.group(6);
                Matcher u = Pattern.compile("uuid=([0-9A-Fa-f-]+)").matcher(rest);
                Matcher n = Pattern.compile("name=\"([^\"]*)\"").matcher(rest);
                entries.add(new Entry(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4)), m.group(5), u.find() ? u.group(1) : null,
                        n.find() ? n.group(1) : "", rest.contains("bootable")));
            }
        }
        return new SfdiskDump(label, entries);
    }

    private static SfdiskDump fdisk(Path image, int sectorSize) {
        String label = Tool.run("fdisk", "-b", String.valueOf(sectorSize), "-l", image.toString()).ok().stdout()
                .lines().filter(l -> l.startsWith("Disklabel type: ")).map(l -> l.substring(16).trim())
                .findFirst().orElse(null);
        boolean gpt = "gpt".equals(label);
        String columns = gpt ? "Device,Start,Sectors,Type-UUID,UUID,Name" : "Device,Boot,Start,Sectors,Id";
        String out = Tool.run("fdisk", "-b", String.valueOf(sectorSize), "-l", "-o", columns, image.toString())
                .ok().stdout();
        List<Entry> entries = new ArrayList<>();
        String prefix = image.toString();
        for (String line : out.split("\n")) {
            if (!line.startsWith(prefix) || line.startsWith(prefix + ":")) {
                continue;
            }
            String[] t = line.trim().split("\\s+");
            int number = Integer.parseInt(t[0].substring(prefix.length()));
            if (gpt) {
                String name = t.length > 5 ? String.join(" ", java.util.Arrays.copyOfRange(t, 5, t.length)) : "";
                entries.add(new Entry(number, Long.parseLong(t[1]), Long.parseLong(t[2]), t[3], t[4], name, false));
            } else {
                boolean boot = t[1].equals("*");
                int i = boot ? 2 : 1;
                entries.add(new Entry(number, Long.parseLong(t[i]), Long.parseLong(t[i + 1]), t[i + 2], null, "",
                        boot));
            }
        }
        return new SfdiskDump(label, entries);
    }
}
