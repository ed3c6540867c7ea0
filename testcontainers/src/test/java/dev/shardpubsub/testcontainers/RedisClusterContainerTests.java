package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A cluster in a container, as a client on the host sees it, and every chaos operation on it.
 */
@DisabledWithoutContainerEngine
@Testcontainers
class RedisClusterContainerTests {

	@Container
	static final RedisClusterContainer cluster = new RedisClusterContainer(TestImages.image());

	private static RedisClusterClient client;

	private static StatefulRedisClusterConnection<String, String> connection;

	@BeforeAll
	static void connect() {
		client = RedisClusterClient.create(cluster.redisUris());
		connection = client.connect();
	}

	@AfterAll
	static void close() {
		connection.close();
		client.shutdown();
	}

	@Test
	void everyNodeAnnouncesTheAddressTheHostReaches() {
		assertThat(cluster.nodes()).hasSize(6);
		assertThat(cluster.masters()).hasSize(3);
		assertThat(cluster.replicas()).hasSize(3);
		Set<String> addresses = cluster.nodes().stream().map(ContainerRedisNode::address).collect(Collectors.toSet());
		connection.getPartitions().forEach((node) -> assertThat(addresses)
			.contains(node.getUri().getHost() + ":" + node.getUri().getPort()));
		assertThat(connection.getPartitions()).hasSize(6);
		for (int i = 0; i < 100; i++) {
			connection.sync().set("key:" + i, "value " + i);
		}
		assertThat(connection.sync().get("key:42")).isEqualTo("value 42");
		assertThat(cluster.nodesProperty().split(",")).hasSize(6);
		System.out.println("CONTAINER-SERVER " + cluster.serverVersion());
	}

	@Test
	void migrateSlotMovesItsKeys() {
		connection.sync().set("moving:{a}", "x");
		int slot = cluster.operations().slotOf("moving:{a}");
		ContainerRedisNode owner = cluster.ownerOf(slot);
		ContainerRedisNode target = cluster.masters().stream().filter((node) -> node != owner).findFirst().orElseThrow();

		assertThat(cluster.migrateSlot(slot, target)).isEqualTo(1);

		assertThat(cluster.ownerOfChannel("moving:{a}")).isSameAs(target);
		assertThat(target.commands().clusterCountKeysInSlot(slot)).isEqualTo(1);
		assertThat(connection.sync().get("moving:{a}")).isEqualTo("x");
	}

	@Test
	void failoverPromotesAReplica() {
		ContainerRedisNode master = cluster.ownerOfChannel("failover:{b}");

		ContainerRedisNode promoted = cluster.failover(master);

		assertThat(promoted.isMaster()).isTrue();
		assertThat(master.isMaster()).isFalse();
		assertThat(cluster.ownerOfChannel("failover:{b}")).isSameAs(promoted);
	}

	@Test
	void killedMasterIsReplacedAndComesBackAsReplica() {
		ContainerRedisNode master = cluster.ownerOfChannel("kill:{c}");

		cluster.operations().kill(master);
		ContainerRedisNode promoted = cluster.operations().awaitFailoverOf(master);

		assertThat(promoted).isNotSameAs(master);
		assertThat(cluster.ownerOfChannel("kill:{c}")).isSameAs(promoted);
		cluster.operations().restart(master);
		assertThat(master.isRunning()).isTrue();
		assertThat(master.isMaster()).isFalse();
		assertThat(cluster.operations().replicasOf(promoted)).contains(master);
	}

	@Test
	void pausedNodeAnswersNothingUntilResumed() {
		ContainerRedisNode replica = cluster.replicas().get(0);

		cluster.operations().pause(replica);

		assertThat(replica.isPaused()).isTrue();
		try (RedisClient probe = RedisClient.create()) {
			RedisURI uri = RedisURI.Builder.redis(replica.host(), replica.port()).withTimeout(Duration.ofMillis(300))
				.build();
			try (var paused = probe.connect(uri)) {
				assertThat(paused.async().ping().toCompletableFuture()).failsWithin(Duration.ofMillis(500));
			}
			catch (RuntimeException expected) {
				// a SIGSTOPped server may not even accept the connection in time
			}
		}
		cluster.operations().resume(replica);
		cluster.awaitAgreement();
		assertThat(replica.commands().ping()).isEqualTo("PONG");
	}

	@Test
	void replicasFollowTheirMasters() {
		for (ContainerRedisNode master : cluster.masters()) {
			List<ContainerRedisNode> replicas = cluster.operations().replicasOf(master);
			assertThat(replicas).hasSize(1);
		}
		assertThatExceptionOfType(RedisCommandExecutionException.class)
			.isThrownBy(() -> cluster.replicas().get(0).commands().set("on-a-replica:{d}x", "no"))
			.withMessageContaining("MOVED");
		assertThat(connection.getPartitions().stream().filter((node) -> node.is(RedisClusterNode.NodeFlag.UPSTREAM)))
			.hasSize(3);
	}

}
