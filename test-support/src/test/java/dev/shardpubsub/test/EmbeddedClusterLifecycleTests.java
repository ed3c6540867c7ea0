package dev.shardpubsub.test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs small Spring test classes through the JUnit launcher and checks, after they finished, the order of events:
 * the cluster is up before the context loads (or is started by the context customizer), and the context is closed
 * while the cluster still answers, then the cluster is stopped.
 */
class EmbeddedClusterLifecycleTests {

	static final List<String> events = new CopyOnWriteArrayList<>();

	static volatile EmbeddedRedisCluster seen;

	@Test
	void perMethodLifecycleStartsClusterFirstAndStopsItAfterTheContext() {
		run(ExtensionFirst.class);
		assertThat(events).containsExactly("beforeAll", "context-loaded", "test", "context-closed: PONG");
		assertStopped(ExtensionFirst.class);
	}

	@Test
	void contextLoadedBeforeBeforeAllStartsTheClusterFromTheCustomizer() {
		run(SpringFirstPerClass.class);
		assertThat(events).containsExactly("context-loaded", "beforeAll", "test", "context-closed: PONG");
		assertStopped(SpringFirstPerClass.class);
	}

	private static void run(Class<?> testClass) {
		events.clear();
		seen = null;
		SummaryGeneratingListener listener = new SummaryGeneratingListener();
		LauncherFactory.create()
			.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(), listener);
		TestExecutionSummary summary = listener.getSummary();
		summary.getFailures().forEach((failure) -> failure.getException().printStackTrace());
		assertThat(summary.getTotalFailureCount()).isZero();
		assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
	}

	private static void assertStopped(Class<?> testClass) {
		assertThat(seen).isNotNull();
		assertThat(seen.isClosed()).isTrue();
		assertThat(seen.nodes()).noneMatch(RedisNode::isRunning);
		assertThat(ClusterRegistry.get(testClass)).isNull();
	}

	@EmbeddedCluster(masters = 1, replicasPerMaster = 0)
	@SpringJUnitConfig(ProbeConfig.class)
	@ExtendWith(RecordBeforeAll.class)
	static class ExtensionFirst extends PropertyArrives {

	}

	@SpringJUnitConfig(ProbeConfig.class)
	@EmbeddedCluster(masters = 1, replicasPerMaster = 0)
	@ExtendWith(RecordBeforeAll.class)
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	static class SpringFirstPerClass extends PropertyArrives {

	}

	/** The one test of both classes: the cluster's nodes arrive as {@code spring.data.redis.cluster.nodes}. */
	abstract static class PropertyArrives {

		@Value("${spring.data.redis.cluster.nodes}")
		String nodes;

		@Test
		void propertyArrives(EmbeddedRedisCluster cluster) {
			assertThat(this.nodes).isEqualTo(cluster.nodesProperty());
			seen = cluster;
			events.add("test");
		}

	}

	static class RecordBeforeAll implements BeforeAllCallback {

		@Override
		public void beforeAll(ExtensionContext context) {
			events.add("beforeAll");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProbeConfig {

		@Bean
		Probe probe(@Value("${spring.data.redis.cluster.nodes}") String nodes) {
			events.add("context-loaded");
			return new Probe(nodes.split(",")[0]);
		}

	}

	/** On context close, checks that the cluster still answers. */
	record Probe(String address) implements DisposableBean {

		@Override
		public void destroy() {
			RedisClient client = RedisClient.create(RedisURI.create("redis://" + this.address));
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				events.add("context-closed: " + connection.sync().ping());
			}
			catch (RuntimeException ex) {
				events.add("context-closed: " + ex);
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
			}
		}

	}

}
