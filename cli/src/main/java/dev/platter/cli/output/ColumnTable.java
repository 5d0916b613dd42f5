package dev.platter.cli.output;

import java.util.ArrayList;
import java.util.List;

/**
 * virt-filesystems' aligned text output: rows collected first, then printed with each column as wide as its widest
 * cell, two spaces between columns (one when that would pass 72 characters), empty or missing cells shown as "-",
 * columns that are missing in every row left out, no trailing spaces.
 */
public final class ColumnTable {
    private final int columns;
    private final List<String[]> rows = new ArrayList<>();
    private final int[] width;

    public ColumnTable(int columns) {
        this.columns = columns;
        this.width = new int[columns];
    }

    /** Adds a row; null cells are "missing", "" cells are empty (both print as "-"). */
    public void add(String... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        }
        for (int i = 0; i < columns; i++) {
            if (cells[i] != null) {
                width[i] = Math.max(width[i], Math.max(1, cells[i].length()));
            }
        }
        rows.add(cells.clone());
    }

    /** The table as text, one line per row. */
    public String render() {
        // virt-filesystems sums its eight possible columns, absent ones counting as two spaces each.
        int total = 0;
        for (int w : width) {
            total += w + 2;
        }
        total += (8 - columns) * 2;
        int gap = total > 72 ? 1 : 2;
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            int pending = 0;
            for (int i = 0; i < columns; i++) {
                if (width[i] == 0) {
                    continue;
                }
                sb.append(" ".repeat(pending));
                String cell = row[i] == null || row[i].isEmpty() ? "-" : row[i];
                sb.append(cell);
                pending = width[i] - cell.length() + gap;
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
