package dev.shardpubsub.testcontainers;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A cluster with a password: the nodes refuse a client without it, the replicas and the container's own
 * connections use it, and so does a cluster client made from {@link RedisClusterContainer#redisUris()}.
 */
@DisabledWithoutContainerEngine
@Testcontainers
class PasswordClusterTests {

	@Container
	static final RedisClusterContainer cluster = new RedisClusterContainer(TestImages.image()).withMasters(3)
		.withReplicasPerMaster(1)
		.withPassword("s3cret pass");

	@Test
	void clientsNeedThePassword() {
		ContainerRedisNode node = cluster.nodes().get(0);
		RedisClient client = RedisClient.create();
		try (StatefulRedisConnection<String, String> anonymous = client
			.connect(RedisURI.create(node.host(), node.port()))) {
			assertThatException().isThrownBy(() -> anonymous.sync().get("x")).withMessageContaining("NOAUTH");
		}
		catch (RedisConnectionException ex) {
			assertThat(ex).rootCause().hasMessageContaining("NOAUTH");
		}
		finally {
			client.shutdown();
		}
		RedisClusterClient clusterClient = RedisClusterClient.create(cluster.redisUris());
		try (StatefulRedisClusterConnection<String, String> connection = clusterClient.connect()) {
			connection.sync().set("secured:{x}", "yes");
			assertThat(connection.sync().get("secured:{x}")).isEqualTo("yes");
		}
		finally {
			clusterClient.shutdown();
		}
		assertThat(cluster.getPassword()).isEqualTo("s3cret pass");
		assertThat(cluster.replicas()).allSatisfy((replica) -> assertThat(replica.commands().info("replication"))
			.contains("master_link_status:up"));
	}

	@Test
	void failoverWorksWithThePassword() {
		ContainerRedisNode master = cluster.ownerOfChannel("secured:{x}");
		ContainerRedisNode promoted = cluster.failover(master);
		assertThat(cluster.ownerOfChannel("secured:{x}")).isSameAs(promoted);
		assertThatException().isThrownBy(() -> master.commands().set("secured:{x}", "on a replica"))
			.isInstanceOf(RedisCommandExecutionException.class);
	}

}
