package io.armada.raft.bench;

import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The targets {@link RaftBench} knows by name. Adding an implementation is one {@link #register} line;
 * {@code armada} is looked up by class name, so the harness runs (and skips it) until that class exists.
 */
final class BenchTargets {
    /** Makes a fresh, unstarted instance of one target. */
    @FunctionalInterface
    interface Factory {
        BenchTarget create();
    }

    /** Class the Armada engine author provides: a public {@link BenchTarget} with a public no-arg constructor. */
    static final String ARMADA_CLASS = "io.armada.raft.bench.ArmadaEngineTarget";

    private static final Map<String, Factory> AVAILABLE = new LinkedHashMap<>();
    private static final Map<String, String> UNAVAILABLE = new LinkedHashMap<>();

    static {
        register(RatisTarget.NAME, RatisTarget::new);
        registerByClassName("armada", ARMADA_CLASS);
    }

    private BenchTargets() {}

    private static void register(String name, Factory factory) {
        AVAILABLE.put(name, factory);
    }

    private static void registerByClassName(String name, String className) {
        Class<?> type;
        try {
            type = Class.forName(className, false, BenchTargets.class.getClassLoader());
        } catch (ClassNotFoundException absent) {
            UNAVAILABLE.put(name, className + " is not on the classpath yet");
            return;
        }
        if (!BenchTarget.class.isAssignableFrom(type)) {
            throw new IllegalStateException(className + " does not implement " + BenchTarget.class.getName());
        }
        register(name, () -> {
            try {
                return (BenchTarget) type.getDeclaredConstructor().newInstance();
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("constructing " + className + " failed", e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(className + " needs a public no-arg constructor", e);
            }
        });
    }

    /** Every name the harness accepts, available or not. */
    static Set<String> names() {
        Set<String> all = new LinkedHashSet<>(AVAILABLE.keySet());
        all.addAll(UNAVAILABLE.keySet());
        return all;
    }

    /** The factory for {@code name}; empty when the implementation is absent (see {@link #whyUnavailable}). */
    static Optional<Factory> factory(String name) {
        if (!names().contains(name)) {
            throw new IllegalArgumentException("unknown target '" + name + "'; known: " + names());
        }
        return Optional.ofNullable(AVAILABLE.get(name));
    }

    static String whyUnavailable(String name) {
        return UNAVAILABLE.getOrDefault(name, "available");
    }
}
