package dev.platter.cli.guest;

import dev.platter.inspect.ops.FileChecksums;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Stack;

/**
 * {@code --checksum[=TYPE]}: virt-ls takes a type only as {@code --checksum=TYPE}, so in {@code --checksum /} the
 * "/" is the directory. The next argument is taken as the type only when it names one (crc, md5, sha1 ...).
 */
public final class ChecksumType implements CommandLine.IParameterConsumer {
    @Override
    public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
        if (!args.isEmpty() && FileChecksums.isSupported(args.peek())) {
            argSpec.setValue(args.pop());
        } else {
            argSpec.setValue("md5");
        }
    }
}
