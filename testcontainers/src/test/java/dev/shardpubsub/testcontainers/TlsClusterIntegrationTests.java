package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.publish.ShardPublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * A cluster reached over TLS only (bus and replication over TLS too): {@code @ServiceConnection} brings an SSL
 * bundle that trusts the container's CA, and a listener receives through a failover; a plaintext client gets
 * nowhere.
 */
@SpringBootTest
@Testcontainers
@DisabledWithoutContainerEngine
class TlsClusterIntegrationTests {

	@Container
	@ServiceConnection
	static final RedisClusterContainer cluster = new RedisClusterContainer(TestImages.image()).withTls();

	@Autowired
	private DataRedisConnectionDetails connectionDetails;

	@Autowired
	private ShardPublisher publisher;

	@Autowired
	private Received received;

	@Test
	void listenerReceivesOverTlsThroughAFailover() {
		assertThat(this.connectionDetails.getSslBundle()).isNotNull();
		publishUntilReceived("before");
		cluster.failover(cluster.ownerOfChannel("secure:{tls}"));
		publishUntilReceived("after the failover");
	}

	@Test
	void clientsNeedTls() {
		RedisClusterClient client = RedisClusterClient.create(cluster.redisUris());
		client.setOptions(ClusterClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
			.trustManager(cluster.tlsCertificates().caCertificate().toFile()).build()).build());
		try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
			connection.sync().set("tls:{a}", "yes");
			assertThat(connection.sync().get("tls:{a}")).isEqualTo("yes");
		}
		finally {
			client.shutdown();
		}
		ContainerRedisNode node = cluster.nodes().get(0);
		RedisClient plain = RedisClient.create();
		plain.setOptions(ClientOptions.builder().build());
		try {
			assertThatException().isThrownBy(() -> plain.connect(RedisURI.Builder.redis(node.host(), node.port())
				.withTimeout(Duration.ofSeconds(2)).build()).sync().ping());
		}
		finally {
			plain.shutdown();
		}
	}

	private void publishUntilReceived(String payload) {
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
			this.publisher.publish("secure:{tls}", payload);
			return this.received.payloads.contains(payload);
		});
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Received received() {
			return new Received();
		}

	}

	static class Received {

		final List<String> payloads = new CopyOnWriteArrayList<>();

		@ShardListener(id = "secure", channels = "secure:{tls}")
		void receive(String payload) {
			this.payloads.add(payload);
		}

	}

}
