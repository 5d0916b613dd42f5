package dev.platter.cli.guest;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Stack;

/**
 * Hands each occurrence of a repeatable option to its setter in command-line order, as the virt tools read
 * {@code -a}, {@code --format} and {@code -m}: {@code --format=raw -a a.img --format -a b.qcow2} pins a.img to raw
 * and probes b.qcow2. An option whose value is optional takes the next argument only when it is not an option.
 */
public final class InOrder implements CommandLine.IParameterConsumer {
    @Override
    public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
        boolean optional = argSpec.arity().min() == 0;
        if (args.isEmpty() || (optional && args.peek().startsWith("-") && !args.peek().equals("-"))) {
            if (!optional) {
                throw new CommandLine.ParameterException(commandSpec.commandLine(),
                        "Missing required parameter for option '"
                                + ((CommandLine.Model.OptionSpec) argSpec).longestName() + "' ("
                                + argSpec.paramLabel() + ")");
            }
            argSpec.setValue(((CommandLine.Model.OptionSpec) argSpec).fallbackValue());
            return;
        }
        argSpec.setValue(args.pop());
    }
}
