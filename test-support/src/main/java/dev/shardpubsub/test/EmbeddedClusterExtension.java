package dev.shardpubsub.test;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension behind {@link EmbeddedCluster @EmbeddedCluster}: starts one {@link EmbeddedRedisCluster} per
 * annotated test class, resolves parameters of that type, and closes the cluster when the class's extension
 * context closes (after all {@code afterAll} callbacks, including Spring's context shutdown).
 * <p>
 * Registered with {@code @ExtendWith} alone, it starts a cluster with the annotation's defaults.
 */
public final class EmbeddedClusterExtension implements BeforeAllCallback, ParameterResolver {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
		.create(EmbeddedClusterExtension.class);

	@Override
	public void beforeAll(ExtensionContext context) {
		getCluster(context);
	}

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return parameterContext.getParameter().getType() == EmbeddedRedisCluster.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return getCluster(extensionContext);
	}

	/**
	 * The cluster of the test class of a context, started (and registered for shutdown with the class) if needed.
	 * Usable from other extensions.
	 * @param context any extension context of the test class or one of its tests
	 * @return the running cluster
	 */
	public static EmbeddedRedisCluster getCluster(ExtensionContext context) {
		Class<?> testClass = context.getRequiredTestClass();
		Class<?> owner = ClusterRegistry.findOwner(testClass);
		if (owner == null) {
			owner = testClass;
		}
		EmbeddedRedisCluster cluster = ClusterRegistry.obtain(owner);
		ExtensionContext ownerContext = classContext(context, owner);
		if (ownerContext != null) {
			// The class-level store closes its resources after all afterAll callbacks, Spring's included.
			ownerContext.getStore(NAMESPACE).computeIfAbsent(owner, (key) -> new Handle(key, cluster), Handle.class);
		}
		return cluster;
	}

	private static ExtensionContext classContext(ExtensionContext context, Class<?> owner) {
		for (ExtensionContext current = context; current != null; current = current.getParent().orElse(null)) {
			if (current.getTestClass().orElse(null) == owner && current.getTestMethod().isEmpty()) {
				return current;
			}
		}
		return null;
	}

	/** Stops the cluster when JUnit closes the store, which closes {@link AutoCloseable} values. */
	private record Handle(Class<?> owner, EmbeddedRedisCluster cluster) implements AutoCloseable {

		@Override
		public void close() {
			ClusterRegistry.release(this.owner, this.cluster);
		}

	}

}
