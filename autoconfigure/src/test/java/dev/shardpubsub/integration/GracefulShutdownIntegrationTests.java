package dev.shardpubsub.integration;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.node.LettuceNodeSubscriptionClient;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.ClientInfo;
import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing the application unsubscribes and closes every connection it opened.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 1)
class GracefulShutdownIntegrationTests {

	@Test
	void shutdownLeavesNoConnectionOpen(EmbeddedRedisCluster cluster) {
		int before = totalClients(cluster);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
			.properties("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(), "spring.main.banner-mode=off")
			.run();
		ShardListenerEndpointRegistry registry = context.getBean(ShardListenerEndpointRegistry.class);
		await().atMost(Duration.ofSeconds(20)).until(() -> registry.channels().size() == 50 && registry.channels()
			.stream().allMatch((channel) -> channel.state() == ChannelSubscription.State.SUBSCRIBED));
		context.getBean(ShardPublisher.class).publish("shutdown:0", "x");
		assertThat(ours(cluster)).isNotEmpty();

		context.close();

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(ours(cluster)).isEmpty();
			assertThat(totalClients(cluster)).isEqualTo(before);
		});
	}

	private static List<ClientInfo> ours(EmbeddedRedisCluster cluster) {
		return cluster.nodes().stream().flatMap((node) -> node.clientList().stream())
			.filter((client) -> LettuceNodeSubscriptionClient.CLIENT_NAME.equals(client.name()))
			.toList();
	}

	// Every client but the one asking (the test kit's own connection to each node).
	private static int totalClients(EmbeddedRedisCluster cluster) {
		int total = 0;
		for (RedisNode node : cluster.nodes()) {
			total += node.clientList().size() - 1;
		}
		return total;
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		public static List<String> channels() {
			return java.util.stream.IntStream.range(0, 50).mapToObj((i) -> "shutdown:" + i).toList();
		}

		@ShardListener(id = "shutdown",
				channels = "#{T(dev.shardpubsub.integration.GracefulShutdownIntegrationTests$App).channels()}")
		public void receive(String payload) {
		}

	}

}
