package dev.shardpubsub.test;

import java.time.Duration;
import java.util.Arrays;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster's addresses reach the Spring environment with no wiring, ahead of test property sources.
 */
@EmbeddedCluster(masters = 1, replicasPerMaster = 0)
@SpringJUnitConfig(EmbeddedClusterSpringTests.Config.class)
@TestPropertySource(properties = "spring.data.redis.cluster.nodes=overridden:1")
class EmbeddedClusterSpringTests {

	@Value("${spring.data.redis.cluster.nodes}")
	String nodes;

	@Autowired
	ConfigurableEnvironment environment;

	@Autowired
	RedisClusterClient clusterClient;

	@Test
	void nodesPropertyArrivesWithHighestPrecedence(EmbeddedRedisCluster cluster) {
		assertThat(this.nodes).isEqualTo(cluster.nodesProperty());
		assertThat(this.environment.getPropertySources().iterator().next().getName())
			.isEqualTo(EmbeddedClusterContextCustomizerFactory.PROPERTY_SOURCE_NAME);
	}

	@Test
	void clientBuiltFromThePropertyTalksToTheCluster(EmbeddedRedisCluster cluster) {
		try (StatefulRedisClusterConnection<String, String> connection = this.clusterClient.connect()) {
			connection.sync().set("spring-key", "spring-value");
			assertThat(connection.sync().get("spring-key")).isEqualTo("spring-value");
		}
		assertThat(cluster.nodes().get(0).commands().get("spring-key")).isEqualTo("spring-value");
	}

	@Configuration(proxyBeanMethods = false)
	static class Config {

		@Bean(destroyMethod = "")
		RedisClusterClient redisClusterClient(@Value("${spring.data.redis.cluster.nodes}") String nodes) {
			return RedisClusterClient.create(
					Arrays.stream(nodes.split(",")).map((node) -> RedisURI.create("redis://" + node)).toList());
		}

		@Bean
		AutoCloseable clusterClientShutdown(RedisClusterClient client) {
			return () -> client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		}

	}

}
