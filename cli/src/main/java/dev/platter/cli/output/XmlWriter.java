package dev.platter.cli.output;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Indented XML as libxml2's text writer prints it with indentation on (virt-inspector's output): two spaces per
 * level, elements holding only text on one line, empty elements as {@code <name/>}, the XML declaration
 * {@code <?xml version="1.0"?>}.
 */
public final class XmlWriter {
    private final StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?>\n");
    private final Deque<String> open = new ArrayDeque<>();
    private boolean startTagOpen;
    private boolean hasChildren;

    public XmlWriter start(String name) {
        closeStartTag(true);
        sb.append("  ".repeat(open.size())).append('<').append(name);
        open.push(name);
        startTagOpen = true;
        hasChildren = false;
        return this;
    }

    public XmlWriter attribute(String name, String value) {
        sb.append(' ').append(name).append("=\"").append(escape(value, true)).append('"');
        return this;
    }

    /** Text content: the element is then closed on the same line. */
    public XmlWriter text(String text) {
        if (startTagOpen) {
            sb.append('>');
            startTagOpen = false;
        }
        sb.append(escape(text, false));
        return this;
    }

    public XmlWriter end() {
        String name = open.pop();
        if (startTagOpen) {
            sb.append("/>\n");
            startTagOpen = false;
        } else if (hasChildren) {
            sb.append("  ".repeat(open.size())).append("</").append(name).append(">\n");
        } else {
            sb.append("</").append(name).append(">\n");
        }
        hasChildren = true;
        return this;
    }

    /** {@code <name>text</name>}. */
    public XmlWriter element(String name, String text) {
        start(name);
        text(text);
        return end();
    }

    private void closeStartTag(boolean child) {
        if (startTagOpen) {
            sb.append(">\n");
            startTagOpen = false;
        }
        hasChildren = child;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    static String escape(String s, boolean attribute) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append(attribute ? ">" : "&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append(attribute ? "&quot;" : "\"");
                case '\r' -> out.append("&#13;");
                case '\n' -> out.append(attribute ? "&#10;" : "\n");
                case '\t' -> out.append(attribute ? "&#9;" : "\t");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
