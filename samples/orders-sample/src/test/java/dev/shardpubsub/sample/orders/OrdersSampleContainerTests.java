package dev.shardpubsub.sample.orders;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;

import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.testcontainers.ContainerRedisNode;
import dev.shardpubsub.testcontainers.DisabledWithoutContainerEngine;
import dev.shardpubsub.testcontainers.RedisClusterContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample on a Redis Cluster in a container ({@code @ServiceConnection}, no property): its job delivers every
 * order, and its listener keeps receiving while the container's cluster moves a region's slot and fails its
 * master over. Skipped where no container engine is found; the application itself still starts an embedded cluster
 * of {@code redis-server} processes when run on its own.
 */
@SpringBootTest(properties = { "sample.orders-per-channel=200", "sample.exit-when-done=false" })
@Testcontainers
@DisabledWithoutContainerEngine
class OrdersSampleContainerTests {

	@Container
	@ServiceConnection
	static final RedisClusterContainer cluster = new RedisClusterContainer(image());

	@Autowired
	private OrderListener listener;

	@Autowired
	private ShardPublisher publisher;

	@Test
	void everyOrderArrivesThroughASlotMoveAndAFailover() {
		List<String> channels = List.of("orders:{eu}", "orders:{us}", "orders:{apac}");
		// The sample's job ran while the context started: 200 orders per region.
		channels.forEach((channel) -> assertThat(this.listener.lastOrder(channel)).isEqualTo(200));

		ContainerRedisNode owner = cluster.ownerOfChannel("orders:{eu}");
		ContainerRedisNode target = cluster.masters().stream().filter((node) -> node != owner).findFirst()
			.orElseThrow();
		cluster.migrateSlot(cluster.operations().slotOf("orders:{eu}"), target);
		publishUntilReceived("orders:{eu}", 1_000);

		cluster.failover(cluster.ownerOfChannel("orders:{eu}"));
		publishUntilReceived("orders:{eu}", 2_000);
		publishUntilReceived("orders:{us}", 2_000);
	}

	// Orders with rising numbers until the listener has the first of them (one may fall into the move itself).
	private void publishUntilReceived(String channel, long firstId) {
		long[] next = { firstId };
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
			this.publisher.publish(channel, new Order(next[0]++, "test", 100));
			return this.listener.lastOrder(channel) >= firstId;
		});
	}

	private static String image() {
		String image = System.getenv("SHARD_PUBSUB_CLUSTER_IMAGE");
		return (image != null && !image.isBlank()) ? image : "redis:7.4";
	}

}
