package dev.shardpubsub.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.node.LettuceNodeSubscriptionClient;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.ClientInfo;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cluster that speaks TLS only ({@code port 0}: no plaintext port; cluster bus and replication over TLS too) and
 * requires a password: with Boot's SSL bundle, listeners receive and keep receiving through a slot move, on node
 * connections that are TLS (there is nothing else to connect to) and authenticated.
 */
@ExtendWith(OutputCaptureExtension.class)
class TlsClusterIntegrationTests {

	private static final String PASSWORD = "tls-Pw-5mN8qD";

	@Test
	void listenersWorkOverTlsAndKeepWorkingThroughAMove(CapturedOutput output) {
		String channel = "orders:{tls}";
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder()
			.masters(2)
			.replicasPerMaster(0)
			.password(PASSWORD)
			.tls()
			.start();
				ConfigurableApplicationContext context = RecordingApp.run(
						"spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
						"spring.data.redis.password=" + PASSWORD,
						"spring.ssl.bundle.pem.redis.truststore.certificate=file:"
								+ cluster.tlsCertificates().caCertificate().toAbsolutePath(),
						"spring.data.redis.ssl.bundle=redis", "test.channels=" + channel)) {
			for (RedisNode node : cluster.nodes()) {
				assertThat(node.execute("CONFIG", "GET", "port")).isEqualTo(List.of("port", "0"));
				assertThat(node.execute("CONFIG", "GET", "tls-port")).isEqualTo(List.of("tls-port",
						Integer.toString(node.port())));
				assertThat(node.execute("CONFIG", "GET", "tls-cluster")).isEqualTo(List.of("tls-cluster", "yes"));
			}
			RecordingApp.awaitSubscribed(context, channel);
			RecordingApp.Recorder recorder = RecordingApp.recorder(context);
			ShardPublisher publisher = context.getBean(ShardPublisher.class);
			int slot = cluster.slotOf(channel);
			RedisNode owner = cluster.ownerOf(slot);
			RedisNode target = cluster.masters().stream().filter((node) -> !node.equals(owner)).findFirst().orElseThrow();
			assertThat(ours(owner)).hasSize(1);
			assertThat(publisher.publish(channel, bytes("before"))).isEqualTo(1);

			cluster.operations().setSlotNode(slot, target);

			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				assertThat(RecordingApp.state(context, channel).state()).isEqualTo(State.SUBSCRIBED);
				assertThat(RecordingApp.state(context, channel).node()).isEqualTo(target.address());
			});
			assertThat(publisher.publish(channel, bytes("after"))).isEqualTo(1);
			await().atMost(Duration.ofSeconds(20)).until(() -> recorder.received(channel).size() == 2);
			assertThat(recorder.received(channel)).map((payload) -> new String(payload, StandardCharsets.UTF_8))
				.containsExactly("before", "after");
			// The connection opened for the move: TLS (the node has no other port) and logged in.
			assertThat(ours(target)).hasSize(1).allSatisfy((client) -> assertThat(client.get("user")).isEqualTo("default"));
		}
		assertThat(output).doesNotContain(PASSWORD);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static List<ClientInfo> ours(RedisNode node) {
		return node.clientList().stream()
			.filter((client) -> LettuceNodeSubscriptionClient.CLIENT_NAME.equals(client.name()))
			.toList();
	}

}
