package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.cli.output.XmlWriter;
import dev.platter.inspect.guest.Application;
import dev.platter.inspect.guest.DetectedFilesystem;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.guest.OsInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code platter inspector}: virt-inspector's XML report on the operating systems of a guest. */
@Command(name = "inspector", sortOptions = false,
        description = "Display the operating system of a guest as XML (like virt-inspector).")
public final class InspectorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = "--no-applications", description = "Do not list the installed applications.")
    boolean noApplications;

    @Option(names = "--no-icon", description = "Accepted for virt-inspector compatibility (no icons are read).")
    boolean noIcon;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws Exception {
        if (guest.hasMounts()) {
            throw new CliException("inspector does not take -m: it inspects the guest itself");
        }
        try (Guest g = guest.open(true)) {
            // Like virt-inspector, a guest without an operating system is an empty document, not an error.
            List<OsInfo> roots = g.inspect();
            XmlWriter x = new XmlWriter();
            x.start("operatingsystems");
            for (OsInfo os : roots) {
                root(g, os, x);
            }
            x.end();
            spec.commandLine().getOut().print(x);
            guest.printWarnings(g, spec.commandLine().getErr());
            guest.printReplays(g, spec.commandLine().getErr());
        }
        return 0;
    }

    private void root(Guest g, OsInfo os, XmlWriter x) throws IOException {
        x.start("operatingsystem");
        x.element("root", os.root().name());
        optional(x, "name", os.type());
        optional(x, "arch", os.arch());
        optional(x, "distro", os.distro());
        optional(x, "product_name", os.productName());
        x.element("major_version", Integer.toString(os.majorVersion()));
        x.element("minor_version", Integer.toString(os.minorVersion()));
        optional(x, "package_format", os.packageFormat());
        optional(x, "package_management", os.packageManagement());
        optional(x, "hostname", os.hostname());
        optional(x, "osinfo", os.osinfo());
        x.start("mountpoints");
        for (OsInfo.Mountpoint m : os.mountpointsInMountOrder()) {
            x.start("mountpoint").attribute("dev", m.device()).text(m.path()).end();
        }
        x.end();
        x.start("filesystems");
        List<String> devices = new ArrayList<>(os.filesystems());
        devices.sort(String::compareTo);
        for (String dev : devices) {
            x.start("filesystem").attribute("dev", dev);
            DetectedFilesystem fs = g.filesystem(dev);
            if (fs != null) {
                nonEmpty(x, "type", fs.type());
                nonEmpty(x, "label", fs.label());
                nonEmpty(x, "uuid", fs.uuid());
            }
            x.end();
        }
        x.end();
        if (!noApplications) {
            Mounts m = g.mount(os);
            x.start("applications");
            for (Application a : os.applications(m)) {
                x.start("application");
                x.element("name", a.name());
                if (a.epoch() != 0) {
                    x.element("epoch", Integer.toString(a.epoch()));
                }
                nonEmpty(x, "version", a.version());
                nonEmpty(x, "release", a.release());
                nonEmpty(x, "arch", a.arch());
                nonEmpty(x, "url", a.url());
                nonEmpty(x, "source_package", a.sourcePackage());
                nonEmpty(x, "summary", a.summary());
                nonEmpty(x, "description", a.description());
                x.end();
            }
            x.end();
        }
        x.end();
    }

    private static void optional(XmlWriter x, String name, String value) {
        if (!value.equals("unknown")) {
            x.element(name, value);
        }
    }

    private static void nonEmpty(XmlWriter x, String name, String value) {
        if (value != null && !value.isEmpty()) {
            x.element(name, value);
        }
    }
}
