package dev.shardpubsub.test;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Re-checks, against the installed redis-server, the server facts the library is designed on
 * ({@code /work/shared/redis-cluster-facts.md}), using the test kit's operations to cause each situation.
 */
@EmbeddedCluster
class ShardPubSubServerBehaviourTests {

	private static RedisClient client;

	private final EmbeddedRedisCluster cluster;

	ShardPubSubServerBehaviourTests(EmbeddedRedisCluster cluster) {
		this.cluster = cluster;
	}

	@BeforeAll
	static void createClient() {
		client = RedisClient.create();
	}

	@AfterAll
	static void closeClient() {
		client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
	}

	@Test
	void ssubscribeOnAnotherShardAnswersMovedAndCrossSlotIsRefused() {
		String channel = "moved-channel";
		RedisNode owner = this.cluster.ownerOfChannel(channel);
		RedisNode other = otherMaster(owner);
		try (StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub(other.redisUri())) {
			assertThatExceptionOfType(RedisCommandExecutionException.class)
				.isThrownBy(() -> connection.sync().ssubscribe(channel))
				.withMessageContaining("MOVED " + this.cluster.operations().slotOf(channel) + " " + owner.address());
		}
		try (StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub(owner.redisUri())) {
			assertThatExceptionOfType(RedisCommandExecutionException.class)
				.isThrownBy(() -> connection.sync().ssubscribe("{a}x", "{b}x"))
				.withMessageContaining("CROSSSLOT");
		}
	}

	@Test
	void replicaSubscriberReceivesAndKeepsReceivingAfterFailoverWhileOldMasterPushesSunsubscribe()
			throws Exception {
		String channel = "replica-channel";
		RedisNode master = this.cluster.ownerOfChannel(channel);
		RedisNode replica = this.cluster.operations().replicasOf(master).get(0);
		Recorder onReplica = new Recorder();
		Recorder onMaster = new Recorder();
		try (StatefulRedisPubSubConnection<String, String> replicaSub = subscribe(replica, channel, onReplica, false);
				StatefulRedisPubSubConnection<String, String> masterSub = subscribe(master, channel, onMaster, false)) {
			master.commands().spublish(channel, "before");
			assertThat(onReplica.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("before");
			assertThat(onMaster.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("before");

			this.cluster.failover(master);
			assertThat(onMaster.unsubscribed.poll(5, TimeUnit.SECONDS)).isEqualTo(channel);
			replica.commands().spublish(channel, "after");
			assertThat(onReplica.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("after");
			assertThat(onReplica.unsubscribed).isEmpty();
		}
	}

	@Test
	void askingSubscriberOnImportingNodeReceivesOnceTheSlotIsHandedOver() throws Exception {
		String channel = "make-before-break";
		int slot = this.cluster.operations().slotOf(channel);
		RedisNode source = this.cluster.ownerOf(slot);
		RedisNode target = otherMaster(source);
		Recorder onTarget = new Recorder();
		this.cluster.operations().beginSlotMigration(slot, target);
		try (StatefulRedisPubSubConnection<String, String> plain = client.connectPubSub(target.redisUri())) {
			assertThatExceptionOfType(RedisCommandExecutionException.class)
				.isThrownBy(() -> plain.sync().ssubscribe(channel))
				.withMessageContaining("MOVED");
		}
		try (StatefulRedisPubSubConnection<String, String> targetSub = subscribe(target, channel, onTarget, true)) {
			this.cluster.operations().finishSlotMigration(slot, target);
			assertThat(this.cluster.ownerOf(slot)).isSameAs(target);
			target.commands().spublish(channel, "handed-over");
			assertThat(onTarget.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("handed-over");
		}
	}

	@Test
	void removingTheSlotPushesSunsubscribe() throws Exception {
		String channel = "removed-slot";
		int slot = this.cluster.operations().slotOf(channel);
		RedisNode owner = this.cluster.ownerOf(slot);
		Recorder recorder = new Recorder();
		try (StatefulRedisPubSubConnection<String, String> sub = subscribe(owner, channel, recorder, false)) {
			this.cluster.operations().removeSlot(slot);
			assertThat(recorder.unsubscribed.poll(5, TimeUnit.SECONDS)).isEqualTo(channel);
		}
		finally {
			this.cluster.operations().assignSlot(slot, owner);
		}
	}

	private StatefulRedisPubSubConnection<String, String> subscribe(RedisNode node, String channel, Recorder recorder,
			boolean asking) {
		StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub(node.redisUri());
		connection.addListener(recorder);
		if (asking) {
			connection.sync().asking();
		}
		connection.sync().ssubscribe(channel);
		return connection;
	}

	private RedisNode otherMaster(RedisNode master) {
		return this.cluster.masters().stream().filter((node) -> node != master).findFirst().orElseThrow();
	}

	private static final class Recorder extends RedisPubSubAdapter<String, String> {

		final BlockingQueue<String> messages = new LinkedBlockingQueue<>();

		final BlockingQueue<String> unsubscribed = new LinkedBlockingQueue<>();

		@Override
		public void smessage(String channel, String message) {
			this.messages.add(message);
		}

		@Override
		public void sunsubscribed(String channel, long count) {
			this.unsubscribed.add(channel);
		}

	}

}
