package dev.shardpubsub.test;

import java.util.List;
import java.util.Map;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points the Spring context of an {@link EmbeddedCluster @EmbeddedCluster} test class at its cluster: adds
 * {@code spring.data.redis.cluster.nodes} as the highest-precedence property source. Registered in
 * {@code META-INF/spring.factories}.
 */
public final class EmbeddedClusterContextCustomizerFactory implements ContextCustomizerFactory {

	/** Name of the property source added to the environment. */
	public static final String PROPERTY_SOURCE_NAME = "embeddedRedisCluster";

	/** The property set to {@link EmbeddedRedisCluster#nodesProperty()}. */
	public static final String NODES_PROPERTY = "spring.data.redis.cluster.nodes";

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		Class<?> owner = ClusterRegistry.findOwner(testClass);
		return (owner != null) ? new Customizer(owner) : null;
	}

	/**
	 * Equal only for the same annotated class, so that classes with different clusters never share a cached context.
	 */
	private record Customizer(Class<?> owner) implements ContextCustomizer {

		@Override
		public void customizeContext(ConfigurableApplicationContext context,
				MergedContextConfiguration mergedConfig) {
			// Started here if Spring loads the context before the JUnit extension's beforeAll (PER_CLASS lifecycle).
			EmbeddedRedisCluster cluster = ClusterRegistry.obtain(this.owner);
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, Map.of(NODES_PROPERTY, cluster.nodesProperty())));
		}

	}

}
