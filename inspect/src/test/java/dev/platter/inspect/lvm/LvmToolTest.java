package dev.platter.inspect.lvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VGs made by lvm2 itself on loop devices (root only; activation disabled, so no device-mapper is needed): a
 * 60 KiB metadata ring that has wrapped, two metadata copies on one PV and none on the other, a PV on a
 * 4096-byte-sector loop device, linear and striped LVs. What Platter assembles equals what {@code lvs} reports.
 */
@RequiresTool({"lvm", "losetup"})
class LvmToolTest {
    @TempDir
    Path dir;

    private final List<String> loops = new ArrayList<>();

    private String lvm(String... args) {
        List<String> cmd = new ArrayList<>(List.of("lvm"));
        cmd.add(args[0]);
        cmd.addAll(List.of("--config", "global/activation=0 devices/allow_mixed_block_sizes=1", "--devices",
                String.join(",", loops)));
        cmd.addAll(List.of(args).subList(1, args.length));
        Tool.Result r = Tool.run(null, Map.of("LVM_SUPPRESS_FD_WARNINGS", "1"), cmd.toArray(new String[0]));
        assertEquals(0, r.exitCode(), String.join(" ", cmd) + ": " + r.stderr());
        return r.stdout();
    }

    @Test
    void whatLvmWritesIsWhatLvsReports() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for loop devices");
        Path f0 = dir.resolve("pv0.img");
        Path f1 = dir.resolve("pv1.img");
        Tool.run("truncate", "-s", "48M", f0.toString(), f1.toString()).ok();
        try {
            loops.add(Tool.run("losetup", "-f", "--show", f0.toString()).ok().stdout().trim());
            loops.add(Tool.run("losetup", "-f", "--show", "-b", "4096", f1.toString()).ok().stdout().trim());
            lvm("pvcreate", "-q", "-y", "--metadatasize", "16k", "--dataalignment", "64k", "--metadatacopies", "2",
                    loops.get(0));
            lvm("pvcreate", "-q", "-y", "--metadatacopies", "0", loops.get(1));
            lvm("vgcreate", "-q", "-s", "1M", "ring-vg", loops.get(0), loops.get(1));
            lvm("lvcreate", "-q", "-an", "-Zn", "-y", "-L", "8M", "-n", "lin", "ring-vg", loops.get(0));
            lvm("lvcreate", "-q", "-an", "-Zn", "-y", "-i", "2", "-I", "128k", "-L", "16M", "-n", "str", "ring-vg");
            // Churn until the committed text has wrapped around the end of the 60 KiB ring.
            boolean wrapped = false;
            for (int i = 0; i < 100 && !wrapped; i++) {
                lvm("lvcreate", "-q", "-an", "-Zn", "-y", "-L", "1M", "-n", "tmp" + i, "ring-vg", loops.get(0));
                lvm("lvremove", "-q", "-y", "ring-vg/tmp" + i);
                wrapped = ringWrapped(f0);
            }
            assertTrue(wrapped, "the metadata ring never wrapped");
            lvm("lvextend", "-q", "-L", "12M", "ring-vg/lin", loops.get(1));
            String json = lvm("lvs", "--reportformat", "json", "-o",
                    "lv_name,lv_uuid,seg_start_pe,seg_size_pe,stripes,stripe_size,seg_pe_ranges", "--units", "b",
                    "--nosuffix", "ring-vg");

            try (Image i0 = Images.open(f0, OpenOptions.readOnlyDefaults().withFormat("raw"));
                 Image i1 = Images.open(f1, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
                List<PhysicalVolume> pvs = List.of(new PhysicalVolume(loops.get(0), i0, PvLabel.find(i0)),
                        new PhysicalVolume(loops.get(1), i1, PvLabel.find(i1)));
                assertEquals(2, pvs.get(0).label().metadataAreas().size());
                assertEquals(0, pvs.get(1).label().metadataAreas().size());
                List<String> warnings = new ArrayList<>();
                List<VolumeGroup> vgs = LvmScanner.assemble(pvs, warnings);
                assertTrue(warnings.isEmpty(), warnings.toString());
                assertEquals(1, vgs.size());
                assertEquals(describe(vgs.get(0), loops), fromLvs(json));
            }
        } finally {
            for (String l : loops) {
                Tool.run("losetup", "-d", l);
            }
        }
    }

    private static boolean ringWrapped(Path pv) throws IOException {
        try (Image img = Images.open(pv, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            PvLabel label = PvLabel.find(img);
            MdaHeader h = MdaHeader.read(img, label.metadataAreas().get(0));
            MdaHeader.RawLocation loc = h.rawLocations().get(0);
            return loc.offset() + loc.size() > h.size();
        }
    }

    /** name -> "start+count stripes stripeSize ranges" per segment, as lvs would print them. */
    private static Map<String, List<String>> describe(VolumeGroup vg, List<String> loops) {
        Map<String, List<String>> out = new TreeMap<>();
        long es = vg.metadata().extentSize();
        for (LogicalVolume lv : vg.logicalVolumes()) {
            List<String> segs = new ArrayList<>();
            for (VgMetadata.Segment s : lv.metadata().segments()) {
                StringBuilder ranges = new StringBuilder();
                long perLeg = s.extentCount() / s.stripes().size();
                for (VgMetadata.Stripe st : s.stripes()) {
                    int idx = vg.metadata().pvs().indexOf(vg.metadata().pv(st.pvSlot()));
                    ranges.append(ranges.length() == 0 ? "" : " ").append(loops.get(idx)).append(':')
                            .append(st.firstPe()).append('-').append(st.firstPe() + perLeg - 1);
                }
                segs.add(lv.uuid() + " " + s.startExtent() + "+" + s.extentCount() + " " + s.stripes().size() + " "
                        + s.stripeSize() + " " + ranges);
            }
            out.put(lv.name(), segs);
            assertEquals(es * lv.metadata().extentCount(), lv.size());
        }
        return out;
    }

    private static Map<String, List<String>> fromLvs(String json) throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        JsonNode rows = new ObjectMapper().readTree(json).get("report").get(0).get("lv");
        for (JsonNode r : rows) {
            out.computeIfAbsent(r.get("lv_name").asText(), k -> new ArrayList<>()).add(r.get("lv_uuid").asText() + " "
                    + r.get("seg_start_pe").asText() + "+" + r.get("seg_size_pe").asText() + " "
                    + r.get("stripes").asText() + " " + r.get("stripe_size").asText() + " "
                    + r.get("seg_pe_ranges").asText());
        }
        return out;
    }
}
