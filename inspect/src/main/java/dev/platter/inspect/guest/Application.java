package dev.platter.inspect.guest;

/**
 * An installed package, as inspect-list-applications2 reports it ("" where unknown, epoch 0 when none).
 *
 * @param name          the package name
 * @param epoch         the version epoch
 * @param version       the upstream version
 * @param release       the packaging release
 * @param arch          the architecture
 * @param url           the home page
 * @param sourcePackage the source package
 * @param summary       the one-line description
 * @param description   the long description
 */
public record Application(String name, int epoch, String version, String release, String arch, String url,
                          String sourcePackage, String summary, String description) {
}
