package dev.trit.engine.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

import java.time.ZonedDateTime;
import java.util.Map;

/**
 * The Jinja environment transformers renders chat templates in ({@code ImmutableSandboxedEnvironment(
 * trim_blocks=True, lstrip_blocks=True)} with the loop-controls extension, {@code raise_exception},
 * {@code strftime_now} and a {@code json.dumps} {@code tojson}), built on Jinjava.
 */
final class JinjaEnvironment {
    private JinjaEnvironment() {
    }

    /** Thrown by the template's {@code raise_exception(message)}. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message);
        }
    }

    private static final Jinjava JINJAVA = create();

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                // The Jinja (Python) behaviour where Jinjava kept an older one of its own: {{- -}} trims,
                // strict whitespace-control parsing, Python operator precedence, None kept in loops,
                // dict literal keys evaluated.
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .withEvaluateMapKeys(true)
                        .withUsePyishObjectMapper(true) // {{ list }} and {{ dict }} print as Python's repr
                        .build())
                .build();
        Jinjava j = new Jinjava(config);
        try {
            // this class is package-private: Jinjava may call its methods only once they are accessible
            java.lang.reflect.Method raise = JinjaEnvironment.class.getDeclaredMethod("raiseException", Object.class);
            java.lang.reflect.Method now = JinjaEnvironment.class.getDeclaredMethod("strftimeNow", String.class);
            raise.setAccessible(true);
            now.setAccessible(true);
            j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", raise));
            j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", now));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        j.getGlobalContext().registerExpTest(new PythonTest("iterable"));
        j.getGlobalContext().registerExpTest(new PythonTest("sequence"));
        j.getGlobalContext().registerFilter(new ToJson());
        j.getGlobalContext().registerFilter(new StringFilter("trim"));
        j.getGlobalContext().registerFilter(new StringFilter("capitalize"));
        j.getGlobalContext().registerFilter(new StringFilter("title"));
        return j;
    }

    /** Whether Jinjava has a filter of this name (the ones of Jinja that chat templates use, and more). */
    static boolean hasFilter(String name) {
        return JINJAVA.getGlobalContext().getFilter(name) != null;
    }

    public static Object raiseException(Object message) {
        throw new TemplateRaised(String.valueOf(message));
    }

    public static String strftimeNow(String format) {
        return Strftime.format(ZonedDateTime.now(), format);
    }

    /**
     * Renders an adapted template source (see {@link TemplateSource}). Any error Jinjava reports,
     * fatal or not, fails the render: the output would not be what Python Jinja makes.
     */
    static String render(String source, Map<String, ?> bindings) throws ChatTemplateException {
        RenderResult r;
        try {
            r = JINJAVA.renderForResult(source, bindings);
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template: " + describe(e), e);
        }
        for (TemplateError e : r.getErrors()) {
            TemplateRaised raised = raised(e.getException());
            String what = raised != null ? "raise_exception: " + raised.getMessage() : e.getMessage();
            throw new ChatTemplateException("chat template" + (e.getLineno() > 0 ? " line " + e.getLineno() : "") + ": "
                    + String.valueOf(what).replace('\n', ' '), e.getException());
        }
        return r.getOutput();
    }

    private static TemplateRaised raised(Throwable t) {
        for (; t != null; t = t.getCause()) if (t instanceof TemplateRaised r) return r;
        return null;
    }

    private static String describe(Throwable e) {
        TemplateRaised r = raised(e);
        if (r != null) return "raise_exception: " + r.getMessage();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' ');
    }

    /** {@code tojson(indent=None, separators=None, sort_keys=False)} as transformers defines it. */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            String ind = switch (indent) {
                case null -> null;
                case Number n -> " ".repeat(n.intValue());
                case String s -> s;
                default -> throw new IllegalArgumentException("tojson: indent must be a number or a string");
            };
            String itemSep = null, keySep = null;
            if (kwargs.get("separators") instanceof java.util.List<?> seps && seps.size() == 2) {
                itemSep = String.valueOf(seps.get(0));
                keySep = String.valueOf(seps.get(1));
            }
            boolean sort = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            for (String k : kwargs.keySet()) {
                if (!k.equals("indent") && !k.equals("separators") && !k.equals("sort_keys") && !k.equals("ensure_ascii")) {
                    throw new IllegalArgumentException("tojson: unsupported argument " + k);
                }
            }
            if (Boolean.TRUE.equals(kwargs.get("ensure_ascii"))) throw new IllegalArgumentException("tojson: ensure_ascii=True not supported");
            return new PythonJson(ind, itemSep, keySep, sort).dumps(var);
        }
    }

    /**
     * Jinja's {@code iterable} and {@code sequence} tests, which strings pass in Python (Jinjava says
     * no): Llama 3.2's template tojson-quotes a tool result that "is iterable".
     */
    static final class PythonTest implements com.hubspot.jinjava.lib.exptest.ExpTest {
        private final String name;

        PythonTest(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof java.util.Collection<?> || var instanceof Map<?, ?> || var instanceof Object[]
                    || (name.equals("iterable") && (var instanceof Iterable<?> || var instanceof java.util.Iterator<?>));
        }
    }

    /** Jinja's trim, capitalize and title filters, which are Python's str.strip, capitalize and title. */
    static final class StringFilter implements Filter {
        private final String name;

        StringFilter(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String s = var == null ? "None" : var.toString();
            return switch (name) {
                case "trim" -> PythonStrings.strip(s, args.length > 0 ? args[0] : null, true, true);
                case "capitalize" -> PythonStrings.capitalize(s);
                default -> PythonStrings.title(s);
            };
        }
    }
}
