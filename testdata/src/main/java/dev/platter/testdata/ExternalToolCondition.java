package dev.platter.testdata;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.ArrayList;
import java.util.List;

/** Evaluates {@link RequiresTool}: skips with the missing tools named, or fails under CI. */
public final class ExternalToolCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        List<String> missing = new ArrayList<>();
        context.getElement().flatMap(e -> AnnotationSupport.findAnnotation(e, RequiresTool.class))
                .ifPresent(a -> {
                    for (String tool : a.value()) {
                        if (Tool.find(tool) == null) {
                            missing.add(tool);
                        }
                    }
                });
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("tools present");
        }
        String reason = "needs " + String.join(", ", missing) + " (not installed)";
        if ("1".equals(System.getenv("PLATTER_REQUIRE_TOOLS"))) {
            throw new IllegalStateException(context.getDisplayName() + ": " + reason
                    + "; PLATTER_REQUIRE_TOOLS=1 forbids skipping");
        }
        System.err.println("SKIPPED " + context.getDisplayName() + ": " + reason);
        return ConditionEvaluationResult.disabled(reason);
    }
}
