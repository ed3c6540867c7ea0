package dev.shardpubsub.test;

import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The running clusters of {@link EmbeddedCluster @EmbeddedCluster} test classes, keyed by the annotated class, so
 * that the JUnit extension and the Spring context customizer (whichever comes first starts it) find the same one.
 * Free of JUnit and Spring types on purpose: either may be missing.
 */
final class ClusterRegistry {

	private static final Map<Class<?>, EmbeddedRedisCluster> clusters = new ConcurrentHashMap<>();

	private ClusterRegistry() {
	}

	/**
	 * The cluster of a test class, started if needed.
	 * @param owner the class carrying the annotation, see {@link #findOwner(Class)}
	 * @return the running cluster
	 */
	static EmbeddedRedisCluster obtain(Class<?> owner) {
		EmbeddedCluster settings = find(owner);
		return clusters.compute(owner, (key, existing) -> (existing != null && !existing.isClosed()) ? existing
				: start((settings != null) ? settings : Defaults.class.getAnnotation(EmbeddedCluster.class)));
	}

	static EmbeddedRedisCluster get(Class<?> owner) {
		return clusters.get(owner);
	}

	static void release(Class<?> owner, EmbeddedRedisCluster cluster) {
		clusters.remove(owner, cluster);
		cluster.close();
	}

	private static EmbeddedRedisCluster start(EmbeddedCluster settings) {
		return EmbeddedRedisCluster.builder()
			.masters(settings.masters())
			.replicasPerMaster(settings.replicasPerMaster())
			.nodeTimeout(Duration.ofMillis(settings.nodeTimeoutMillis()))
			.requireFullCoverage(settings.requireFullCoverage())
			.start();
	}

	/**
	 * The class whose cluster a test class uses: itself if it carries {@link EmbeddedCluster} (directly, inherited
	 * or as a meta-annotation), else the nearest enclosing class that does (for {@code @Nested} classes).
	 * @param testClass the test class
	 * @return the owner, or {@code null} if none is annotated
	 */
	static Class<?> findOwner(Class<?> testClass) {
		for (Class<?> candidate = testClass; candidate != null; candidate = candidate.getEnclosingClass()) {
			if (find(candidate) != null) {
				return candidate;
			}
		}
		return null;
	}

	static EmbeddedCluster find(Class<?> type) {
		return findAnnotation(type.getAnnotations(), new HashSet<>());
	}

	private static EmbeddedCluster findAnnotation(Annotation[] annotations, Set<Class<?>> visited) {
		for (Annotation annotation : annotations) {
			if (annotation instanceof EmbeddedCluster embeddedCluster) {
				return embeddedCluster;
			}
			Class<? extends Annotation> type = annotation.annotationType();
			if (!type.getName().startsWith("java.lang.annotation") && visited.add(type)) {
				EmbeddedCluster meta = findAnnotation(type.getAnnotations(), visited);
				if (meta != null) {
					return meta;
				}
			}
		}
		return null;
	}

	/** Carrier of the annotation defaults, for the extension registered without the annotation. */
	@EmbeddedCluster
	private static final class Defaults {

	}

}
