package dev.trit.engine.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Calls of Python {@code str} methods on strings ({@code message.content.startswith('<tool')},
 * {@code .strip('\n')}, {@code .split('</think>')}...), which Python Jinja allows and Jinjava does
 * not (it would look for Java methods). Placed before Jinjava's own resolvers; everything it does
 * not know passes on to them.
 */
final class PythonMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) return null;
        Object[] p = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), p);
        if (result == NOT_A_METHOD) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_A_METHOD = new Object();

    private static Object call(String s, String name, Object[] p) {
        return switch (name) {
            case "startswith" -> {
                arity(name, p, 1, 1);
                yield anyOf(p[0], prefix -> s.startsWith(prefix));
            }
            case "endswith" -> {
                arity(name, p, 1, 1);
                yield anyOf(p[0], suffix -> s.endsWith(suffix));
            }
            case "strip" -> PythonStrings.strip(s, optString(name, p), true, true);
            case "lstrip" -> PythonStrings.strip(s, optString(name, p), true, false);
            case "rstrip" -> PythonStrings.strip(s, optString(name, p), false, true);
            case "split" -> {
                arity(name, p, 0, 2);
                yield PythonStrings.split(s, p.length > 0 ? str(name, p[0], true) : null, p.length > 1 ? integer(name, p[1]) : -1);
            }
            case "rsplit" -> {
                arity(name, p, 0, 2);
                yield PythonStrings.rsplit(s, p.length > 0 ? str(name, p[0], true) : null, p.length > 1 ? integer(name, p[1]) : -1);
            }
            case "upper" -> {
                arity(name, p, 0, 0);
                yield s.toUpperCase(Locale.ROOT);
            }
            case "lower" -> {
                arity(name, p, 0, 0);
                yield s.toLowerCase(Locale.ROOT);
            }
            case "title" -> {
                arity(name, p, 0, 0);
                yield PythonStrings.title(s);
            }
            case "capitalize" -> {
                arity(name, p, 0, 0);
                yield PythonStrings.capitalize(s);
            }
            case "replace" -> {
                arity(name, p, 2, 3);
                yield PythonStrings.replace(s, str(name, p[0], false), str(name, p[1], false), p.length > 2 ? integer(name, p[2]) : -1);
            }
            case "find" -> {
                arity(name, p, 1, 1);
                yield (long) s.indexOf(str(name, p[0], false));
            }
            case "count" -> {
                arity(name, p, 1, 1);
                yield (long) PythonStrings.count(s, str(name, p[0], false));
            }
            case "join" -> {
                arity(name, p, 1, 1);
                StringJoiner j = new StringJoiner(s);
                for (Object o : iterable(name, p[0])) j.add(str(name, o, false));
                yield j.toString();
            }
            case "isspace" -> {
                arity(name, p, 0, 0);
                yield !s.isEmpty() && s.chars().allMatch(c -> PythonStrings.isSpace((char) c));
            }
            case "isdigit" -> {
                arity(name, p, 0, 0);
                yield !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            }
            default -> NOT_A_METHOD;
        };
    }

    private static boolean anyOf(Object arg, java.util.function.Predicate<String> test) {
        if (arg instanceof String one) return test.test(one);
        for (Object o : iterable("startswith/endswith", arg)) if (test.test(str("startswith/endswith", o, false))) return true;
        return false;
    }

    private static void arity(String name, Object[] p, int min, int max) {
        if (p.length < min || p.length > max) {
            throw new IllegalArgumentException("str." + name + " takes " + (min == max ? min : min + " to " + max) + " arguments, got " + p.length);
        }
    }

    private static String optString(String name, Object[] p) {
        arity(name, p, 0, 1);
        return p.length == 0 ? null : str(name, p[0], true);
    }

    private static String str(String name, Object o, boolean nullable) {
        if (o == null && nullable) return null;
        if (o instanceof String s) return s;
        throw new IllegalArgumentException("str." + name + ": expected a string, got " + (o == null ? "none" : o.getClass().getSimpleName()));
    }

    private static int integer(String name, Object o) {
        if (o instanceof Number n && n.doubleValue() == n.longValue()) return Math.toIntExact(n.longValue());
        throw new IllegalArgumentException("str." + name + ": expected an integer, got " + o);
    }

    private static Iterable<?> iterable(String name, Object o) {
        if (o instanceof Collection<?> c) return c;
        if (o instanceof Object[] a) return List.of(a);
        throw new IllegalArgumentException("str." + name + ": expected a list, got " + (o == null ? "none" : o.getClass().getSimpleName()));
    }

    // Property access is left to the other resolvers.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
