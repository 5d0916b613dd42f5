package dev.platter.cli.output;

import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.ops.Listings;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * GNU ls's long format ({@code ls -la} in the C locale and UTC, as libguestfs's appliance runs it): the "total"
 * line in KiB, mode letters with setuid/setgid/sticky, right-aligned link counts, numeric owners and sizes (devices
 * as "major, minor"), "Mon dd  yyyy" for times older than six months or in the future, "Mon dd hh:mm" otherwise.
 */
public final class LsLong {
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};
    /** GNU ls's "six months": half of 365.2425 days, in seconds. */
    private static final long SIX_MONTHS = 31556952L / 2;

    private LsLong() {
    }

    /** The listing of a directory's entries (already sorted), with the "total" line first when asked. */
    public static byte[] format(List<Listings.LongEntry> entries, boolean total, Instant now) {
        int nlinkW = 0;
        int uidW = 0;
        int gidW = 0;
        int sizeW = 0;
        int majorW = 0;
        int minorW = 0;
        long blocks = 0;
        boolean anyMark = false;
        for (Listings.LongEntry e : entries) {
            anyMark |= e.accessMark() != 0;
            FileStat s = e.stat();
            nlinkW = Math.max(nlinkW, Long.toString(s.nlink()).length());
            uidW = Math.max(uidW, Long.toString(s.uid()).length());
            gidW = Math.max(gidW, Long.toString(s.gid()).length());
            if (isDevice(s)) {
                majorW = Math.max(majorW, Long.toString(s.rdevMajor()).length());
                minorW = Math.max(minorW, Long.toString(s.rdevMinor()).length());
            } else {
                sizeW = Math.max(sizeW, Long.toString(s.size()).length());
            }
            blocks += s.blocks();
        }
        if (majorW > 0) {
            sizeW = Math.max(sizeW, majorW + 2 + minorW);
        }
        ByteLine out = new ByteLine();
        if (total) {
            out.text("total " + (blocks + 1) / 2 + "\n");
        }
        for (Listings.LongEntry e : entries) {
            FileStat s = e.stat();
            String size = isDevice(s)
                    ? pad(Long.toString(s.rdevMajor()), majorW) + ", " + pad(Long.toString(s.rdevMinor()), minorW)
                    : Long.toString(s.size());
            out.text(mode(s.mode()));
            if (anyMark) {
                // GNU ls adds the mark column to every line once one entry has a mark.
                out.ch(e.accessMark() == 0 ? ' ' : e.accessMark());
            }
            out.ch(' ')
                    .text(pad(Long.toString(s.nlink()), nlinkW)).ch(' ')
                    .text(pad(Long.toString(s.uid()), uidW)).ch(' ')
                    .text(pad(Long.toString(s.gid()), gidW)).ch(' ')
                    .text(pad(size, sizeW)).ch(' ')
                    .text(date(s.mtime(), now)).ch(' ')
                    .bytes(e.name());
            if (e.linkTarget() != null) {
                out.text(" -> ").bytes(e.linkTarget());
            }
            out.ch('\n');
        }
        return out.toByteArray();
    }

    private static boolean isDevice(FileStat s) {
        return s.type() == FileType.CHAR_DEVICE || s.type() == FileType.BLOCK_DEVICE;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    /** "drwxr-xr-x", with s/S, t/T for the special bits. */
    public static String mode(int mode) {
        char[] c = new char[10];
        c[0] = FileType.fromMode(mode).lsChar();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            c[i + 1] = (mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-';
        }
        if ((mode & 04000) != 0) {
            c[3] = c[3] == 'x' ? 's' : 'S';
        }
        if ((mode & 02000) != 0) {
            c[6] = c[6] == 'x' ? 's' : 'S';
        }
        if ((mode & 01000) != 0) {
            c[9] = c[9] == 'x' ? 't' : 'T';
        }
        return new String(c);
    }

    /**
     * The date column. Built by hand rather than with Formatter: a listing of many thousand names runs in a cold JVM,
     * where Formatter's per-call pattern parsing costs more than reading the directory.
     */
    static String date(Instant t, Instant now) {
        long secs = t == null ? 0 : t.getEpochSecond();
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(secs, 86400));
        int secOfDay = (int) Math.floorMod(secs, 86400);
        boolean recent = now.getEpochSecond() - SIX_MONTHS < secs && secs <= now.getEpochSecond();
        StringBuilder sb = new StringBuilder(12).append(MONTHS[day.getMonthValue() - 1]).append(' ');
        int dom = day.getDayOfMonth();
        sb.append(dom < 10 ? " " : "").append(dom);
        if (recent) {
            int hour = secOfDay / 3600;
            int minute = secOfDay / 60 % 60;
            sb.append(' ').append(hour < 10 ? "0" : "").append(hour).append(':').append(minute < 10 ? "0" : "")
                    .append(minute);
        } else {
            sb.append("  ").append(day.getYear());
        }
        return sb.toString();
    }
}
