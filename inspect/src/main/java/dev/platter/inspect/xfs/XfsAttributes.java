package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the extended attributes of one inode from its attribute fork: shortform (in the inode), one leaf block,
 * or a hash btree of leaf blocks (node form); values that do not fit in a leaf live in remote blocks.
 */
final class XfsAttributes {
    /** Linux's XATTR_SIZE_MAX: no value is longer. */
    static final int MAX_VALUE = 65536;
    private static final int MAX_LEAVES = 1 << 20;

    private final XfsContext ctx;
    private final XfsInode inode;
    private final String what;

    XfsAttributes(XfsContext ctx, XfsInode inode) {
        this.ctx = ctx;
        this.inode = inode;
        this.what = inode.what() + " attribute fork";
    }

    Map<String, byte[]> list() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (!inode.hasAttrFork()) {
            return out;
        }
        List<AttrEntry> entries;
        ExtentMap map = null;
        if (inode.core.attrFormat() == InodeCore.FMT_LOCAL) {
            entries = AttrShortform.parse(inode.attrFork(), inode.forkPosition(true), what);
        } else {
            map = inode.extentMap(ctx, true);
            if (map.last() == null) {
                return out; // an attribute fork with no blocks: every attribute was removed
            }
            entries = leafEntries(map);
        }
        for (AttrEntry e : entries) {
            if ((e.flags() & (AttrEntry.INCOMPLETE | AttrEntry.PARENT)) != 0) {
                continue;
            }
            String name = new String(e.name(), StandardCharsets.UTF_8);
            byte[] value = e.isRemote() ? remoteValue(map, e) : e.value();
            if ((e.flags() & AttrEntry.ROOT) != 0 && (name.equals(PosixAcl.XFS_ACCESS)
                    || name.equals(PosixAcl.XFS_DEFAULT))) {
                // Linux lists an ACL twice: as system.posix_acl_* (converted) and, to root, as the raw trusted one.
                String linux = name.equals(PosixAcl.XFS_ACCESS) ? "system.posix_acl_access"
                        : "system.posix_acl_default";
                out.put(linux, PosixAcl.toLinux(value, what + " " + name));
            }
            out.put(AttrEntry.prefix(e.flags()) + name, value);
        }
        return out;
    }

    private byte[] readForkBlock(ExtentMap map, long block, String blockWhat) throws IOException {
        BmbtRecord r = map.find(block);
        if (r == null || !r.contains(block) || r.unwritten()) {
            throw new CorruptImageException(blockWhat, -1, "attribute fork block " + block + " is not mapped");
        }
        long pos = ctx.geo.fsbToByte(r.startBlock(), r.blockCount(), blockWhat)
                + ((block - r.startOff()) << ctx.geo.blockLog);
        return ctx.reader.readCached(pos, ctx.geo.blockSize, blockWhat);
    }

    private long position(ExtentMap map, long block) throws IOException {
        BmbtRecord r = map.find(block);
        return ctx.geo.fsbToByte(r.startBlock(), r.blockCount(), what) + ((block - r.startOff()) << ctx.geo.blockLog);
    }

    /** Every entry of every leaf: descend the leftmost path to the first leaf, then follow the sibling links. */
    private List<AttrEntry> leafEntries(ExtentMap map) throws IOException {
        List<AttrEntry> out = new ArrayList<>();
        int nodeMagic = DaBlockInfo.magic(DaBlockInfo.NODE_MAGIC, ctx.v5);
        int leafMagic = DaBlockInfo.magic(DaBlockInfo.ATTR_LEAF_MAGIC, ctx.v5);
        long block = 0;
        int expectedLevel = -1;
        for (int depth = 0; ; depth++) {
            String blockWhat = what + " block " + block;
            byte[] b = readForkBlock(map, block, blockWhat);
            long pos = position(map, block);
            DaBlockInfo info = DaBlockInfo.parse(b, pos, inode.ino, ctx, blockWhat);
            if (info.magic() == leafMagic) {
                if (expectedLevel > 0) {
                    throw new CorruptImageException(blockWhat, pos, "a leaf where a level-" + expectedLevel
                            + " node was expected");
                }
                break;
            }
            if (info.magic() != nodeMagic || depth >= DaNode.MAX_DEPTH) {
                throw new CorruptImageException(blockWhat, pos, "bad magic 0x" + Integer.toHexString(info.magic())
                        + " for an attribute leaf or node block");
            }
            DaNode node = DaNode.parse(b, info, ctx.v5, pos, blockWhat);
            if (expectedLevel >= 0 && node.level() != expectedLevel) {
                throw new CorruptImageException(blockWhat, pos, "node level " + node.level() + ", expected "
                        + expectedLevel);
            }
            expectedLevel = node.level() - 1;
            block = node.befores()[0];
        }
        Set<Long> seen = new HashSet<>();
        while (true) {
            if (!seen.add(block) || seen.size() > MAX_LEAVES) {
                ctx.warnings.add(what + ": the attribute leaf chain loops back to block " + block
                        + "; attribute list may be incomplete");
                return out;
            }
            String blockWhat = what + " block " + block;
            byte[] b = readForkBlock(map, block, blockWhat);
            long pos = position(map, block);
            DaBlockInfo info = DaBlockInfo.parse(b, pos, inode.ino, ctx, blockWhat);
            if (info.magic() != leafMagic) {
                throw new CorruptImageException(blockWhat, pos, "bad magic 0x" + Integer.toHexString(info.magic())
                        + " for an attribute leaf block");
            }
            out.addAll(AttrLeafBlock.parse(b, ctx.v5, pos, blockWhat));
            if (info.forw() == 0) {
                return out;
            }
            block = info.forw();
        }
    }

    private byte[] remoteValue(ExtentMap map, AttrEntry e) throws IOException {
        String valueWhat = what + " remote value of " + new String(e.name(), StandardCharsets.UTF_8);
        if (e.remoteLength() > MAX_VALUE) {
            throw new CorruptImageException(valueWhat, -1, "value of " + e.remoteLength() + " bytes (at most "
                    + MAX_VALUE + ")");
        }
        int len = (int) e.remoteLength();
        byte[] value = new byte[len];
        int perBlock = ctx.geo.blockSize - (ctx.v5 ? RemoteBlockHeader.SIZE : 0);
        int copied = 0;
        for (long block = e.remoteBlock(); copied < len; block++) {
            byte[] b = readForkBlock(map, block, valueWhat);
            int n = Math.min(perBlock, len - copied);
            int from = 0;
            if (ctx.v5) {
                long pos = position(map, block);
                RemoteBlockHeader h = RemoteBlockHeader.parse(b, RemoteBlockHeader.ATTR_MAGIC, pos, inode.ino, ctx,
                        valueWhat);
                if (h.offset() != copied || h.bytes() != n) {
                    throw new CorruptImageException(valueWhat, pos, "block holds bytes " + h.offset() + "+"
                            + h.bytes() + ", expected " + copied + "+" + n);
                }
                from = RemoteBlockHeader.SIZE;
            }
            System.arraycopy(b, from, value, copied, n);
            copied += n;
        }
        return value;
    }
}
