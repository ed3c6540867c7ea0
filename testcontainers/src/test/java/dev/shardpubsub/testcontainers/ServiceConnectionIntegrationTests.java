package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
import org.springframework.messaging.handler.annotation.Header;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardMessageHeaders;
import dev.shardpubsub.publish.ShardPublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a user writes: {@code @ServiceConnection} on a {@link RedisClusterContainer}, no property, and a
 * {@code @ShardListener} that keeps receiving while the cluster in the container moves the channel's slot and
 * fails its master over.
 */
@SpringBootTest
@Testcontainers
@DisabledWithoutContainerEngine
class ServiceConnectionIntegrationTests {

	private static final String CHANNEL = "orders:{eu}";

	@Container
	@ServiceConnection
	static final RedisClusterContainer cluster = new RedisClusterContainer(TestImages.image());

	@Autowired
	private DataRedisConnectionDetails connectionDetails;

	@Autowired
	private ShardPublisher publisher;

	@Autowired
	private ShardListenerEndpointRegistry registry;

	@Autowired
	private Orders orders;

	@Test
	void connectionDetailsNameEveryNodeOfTheCluster() {
		assertThat(this.connectionDetails.getCluster()).isNotNull();
		assertThat(this.connectionDetails.getCluster().getNodes())
			.extracting((node) -> node.host() + ":" + node.port())
			.containsExactlyInAnyOrder(cluster.nodesProperty().split(","));
		assertThat(this.connectionDetails.getStandalone()).isNull();
	}

	@Test
	void listenerReceivesThroughASlotMoveAndAFailover() {
		awaitSubscribed();
		publishAndReceive("before");

		ContainerRedisNode owner = cluster.ownerOfChannel(CHANNEL);
		ContainerRedisNode target = cluster.masters().stream().filter((node) -> node != owner).findFirst()
			.orElseThrow();
		cluster.migrateSlot(cluster.operations().slotOf(CHANNEL), target);
		assertThat(cluster.ownerOfChannel(CHANNEL)).isSameAs(target);
		publishAndReceive("after the move");
		assertThat(this.orders.nodes).last().isEqualTo(target.address());

		ContainerRedisNode promoted = cluster.failover(target);
		assertThat(cluster.ownerOfChannel(CHANNEL)).isSameAs(promoted);
		publishAndReceive("after the failover");
		assertThat(this.orders.nodes).last().isIn(promoted.address(), target.address());
	}

	private void awaitSubscribed() {
		await().atMost(Duration.ofSeconds(20)).until(() -> !this.registry.channels().isEmpty() && this.registry
			.channels().stream().allMatch((channel) -> channel.state() == ChannelSubscription.State.SUBSCRIBED));
	}

	// Publishes until the listener has received one (a publish may land in the moment the subscription moves).
	private void publishAndReceive(String payload) {
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
			this.publisher.publish(CHANNEL, payload);
			return this.orders.received.contains(payload);
		});
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Orders orders() {
			return new Orders();
		}

	}

	static class Orders {

		final List<String> received = new CopyOnWriteArrayList<>();

		final List<String> nodes = new CopyOnWriteArrayList<>();

		@ShardListener(id = "orders", channels = CHANNEL)
		void onOrder(String order, @Header(ShardMessageHeaders.NODE) String node) {
			this.received.add(order);
			this.nodes.add(node);
		}

	}

}
