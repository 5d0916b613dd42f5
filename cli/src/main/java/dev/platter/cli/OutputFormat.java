package dev.platter.cli;

/** The {@code --output} choices shared by info, check, map and measure. */
enum OutputFormat {
    human,
    json
}
