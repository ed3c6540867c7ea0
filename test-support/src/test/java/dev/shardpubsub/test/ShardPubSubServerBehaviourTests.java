package dev.shardpubsub.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.shardpubsub.test.PushRecorder.Arrival;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * States what the server under test does in the situations the library is designed around
 * ({@code /work/shared/redis-cluster-facts.md}), with the expectation chosen by the server's
 * {@link ServerVersion version}: every test runs on every server, so a server that changes behaviour fails here.
 * Each test also prints one {@code SERVER-FACT} line with what it saw (times included), for
 * {@code docs/guarantees.md}.
 */
@EmbeddedCluster
class ShardPubSubServerBehaviourTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** How long we listen for something that must not come. */
	private static final Duration QUIET = Duration.ofMillis(500);

	private static RedisClient client;

	private final EmbeddedRedisCluster cluster;

	private final ServerVersion version;

	ShardPubSubServerBehaviourTests(EmbeddedRedisCluster cluster) {
		this.cluster = cluster;
		this.version = cluster.serverVersion();
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
				.withMessageContaining("MOVED " + this.cluster.slotOf(channel) + " " + owner.address());
		}
		try (StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub(owner.redisUri())) {
			assertThatExceptionOfType(RedisCommandExecutionException.class)
				.isThrownBy(() -> connection.sync().ssubscribe("{a}x", "{b}x"))
				.withMessageContaining("CROSSSLOT");
		}
	}

	@Test
	void clusterFailoverPushesSunsubscribeOnTheOldMasterAndOnThePromotedReplicaFrom72() throws Exception {
		String channel = "failover-channel";
		RedisNode master = this.cluster.ownerOfChannel(channel);
		RedisNode replica = this.cluster.operations().replicasOf(master).get(0);
		boolean drops = this.version.dropsSubscribersOnTakeover();
		PushRecorder onReplica = new PushRecorder();
		PushRecorder onMaster = new PushRecorder();
		try (StatefulRedisPubSubConnection<String, String> replicaSub = subscribe(replica, channel, onReplica, false);
				StatefulRedisPubSubConnection<String, String> masterSub = subscribe(master, channel, onMaster, false)) {
			master.commands().spublish(channel, "before");
			assertThat(payload(onReplica.nextMessage(WAIT))).isEqualTo("before");
			assertThat(payload(onMaster.nextMessage(WAIT))).isEqualTo("before");

			long start = System.nanoTime();
			replica.commands().clusterFailover(false);
			// Where the promoted replica pushes, subscribing there again right after the push is what a client does.
			Arrival replicaPush = onReplica.nextUnsubscribe(drops ? WAIT : Duration.ZERO);
			String resubscribe = (replicaPush != null) ? ssubscribe(replicaSub, channel) : null;
			Arrival masterPush = onMaster.nextUnsubscribe(WAIT);
			if (replicaPush == null) {
				replicaPush = onReplica.nextUnsubscribe(QUIET);
			}
			awaitRole(replica, true);
			this.cluster.awaitAgreement();
			long receivers = replica.commands().spublish(channel, "after");
			Arrival after = onReplica.nextMessage(WAIT);
			fact("CLUSTER FAILOVER: old master push " + millis(masterPush, start) + ", promoted replica push "
					+ millis(replicaPush, start) + ", re-SSUBSCRIBE there after its push: " + resubscribe
					+ "; SPUBLISH on the new master reached " + receivers + ", replica subscriber got " + payload(after));

			assertThat(masterPush).as("push on the old master").isNotNull();
			assertThat(masterPush.value()).isEqualTo(channel);
			if (drops) {
				assertThat(replicaPush).as("push on the promoted replica").isNotNull();
				assertThat(replicaPush.value()).isEqualTo(channel);
				assertThat(resubscribe).as("SSUBSCRIBE on the promoted replica right after its push").isEqualTo("OK");
				// The old master drops the slot when it hears of the promotion, after the new master pushed.
				assertThat(replicaPush.nanos()).as("promoted replica's push before the old master's")
					.isLessThan(masterPush.nanos());
			}
			else {
				assertThat(replicaPush).as("push on the promoted replica").isNull();
			}
			assertThat(receivers).isEqualTo(1);
			assertThat(payload(after)).isEqualTo("after");
			assertThat(onReplica.noUnsubscribes()).isTrue();
		}
	}

	@Test
	void askingSubscriberOnTheImportingNodeThroughTheHandOver() throws Exception {
		String channel = "make-before-break";
		int slot = this.cluster.slotOf(channel);
		RedisNode source = this.cluster.ownerOf(slot);
		RedisNode target = otherMaster(source);
		List<RedisNode> others = this.cluster.masters().stream().filter((node) -> node != source && node != target)
			.toList();
		boolean drops = this.version.dropsSubscribersOnTakeover();
		PushRecorder onSource = new PushRecorder();
		PushRecorder onTarget = new PushRecorder();
		this.cluster.operations().beginSlotMigration(slot, target);
		try (StatefulRedisPubSubConnection<String, String> plain = client.connectPubSub(target.redisUri())) {
			assertThatExceptionOfType(RedisCommandExecutionException.class)
				.isThrownBy(() -> plain.sync().ssubscribe(channel))
				.withMessageContaining("MOVED");
		}
		try (StatefulRedisPubSubConnection<String, String> sourceSub = subscribe(source, channel, onSource, false);
				StatefulRedisPubSubConnection<String, String> targetSub = subscribe(target, channel, onTarget, true)) {
			// The hand-over as redis-cli does it: the target, the source, then every other master. Before each next
			// step we take the pushes that have come, so each is told apart by the step it came after.
			long started = System.nanoTime();
			target.commands().clusterSetSlotNode(slot, target.nodeId());
			Arrival targetPush = onTarget.nextUnsubscribe(drops ? WAIT : Duration.ZERO);
			// Subscribe again at once, as a client acting on the push does.
			String resubscribe = (targetPush != null) ? ssubscribe(targetSub, channel) : null;
			Arrival sourcePush = onSource.nextUnsubscribe(Duration.ZERO);
			String sourcePushedAt = (sourcePush != null) ? "target" : null;
			source.commands().clusterSetSlotNode(slot, target.nodeId());
			if (sourcePush == null) {
				sourcePush = onSource.nextUnsubscribe(WAIT);
				sourcePushedAt = (sourcePush != null) ? "source" : null;
			}
			String targetPushedAt = (targetPush != null) ? "target" : null;
			if (targetPush == null) {
				targetPush = onTarget.nextUnsubscribe(Duration.ZERO);
				targetPushedAt = (targetPush != null) ? "source" : null;
			}
			others.forEach((node) -> node.commands().clusterSetSlotNode(slot, target.nodeId()));
			if (targetPush == null) {
				targetPush = onTarget.nextUnsubscribe(QUIET);
				targetPushedAt = (targetPush != null) ? "others" : null;
			}
			this.cluster.awaitAgreement();
			long receivers = target.commands().spublish(channel, "handed-over");
			Arrival handedOver = onTarget.nextMessage(WAIT);
			fact("hand-over after ASKING + SSUBSCRIBE on the importing node: that subscriber "
					+ pushedAt(targetPushedAt, targetPush, started) + ", SSUBSCRIBE there right after the push: "
					+ resubscribe + "; the source's subscriber " + pushedAt(sourcePushedAt, sourcePush, started)
					+ "; SPUBLISH on the new owner reached " + receivers);

			assertThat(targetPushedAt).as("SETSLOT after which the importing node pushed")
				.isEqualTo(drops ? "target" : null);
			if (drops) {
				assertThat(resubscribe).as("SSUBSCRIBE on the new owner right after its push").isEqualTo("OK");
			}
			// At its own SETSLOT, or before it when gossip brings the target's claim first.
			assertThat(sourcePushedAt).as("SETSLOT after which the source pushed").isIn("target", "source");
			assertThat(receivers).isEqualTo(1);
			assertThat(payload(handedOver)).isEqualTo("handed-over");
		}
	}

	@Test
	void replicaSpublishForItsMastersSlots() throws Exception {
		String channel = "replica-publish";
		RedisNode master = this.cluster.ownerOfChannel(channel);
		RedisNode replica = this.cluster.operations().replicasOf(master).get(0);
		RedisNode foreignReplica = this.cluster.operations().replicasOf(otherMaster(master)).get(0);
		PushRecorder onReplica = new PushRecorder();
		PushRecorder onMaster = new PushRecorder();
		try (StatefulRedisPubSubConnection<String, String> replicaSub = subscribe(replica, channel, onReplica, false);
				StatefulRedisPubSubConnection<String, String> masterSub = subscribe(master, channel, onMaster, false)) {
			String reply = attempt(() -> String.valueOf(replica.commands().spublish(channel, "from-replica")));
			String foreign = attempt(() -> String.valueOf(foreignReplica.commands().spublish(channel, "foreign")));
			Arrival atReplica = onReplica.nextMessage(WAIT);
			Arrival atMaster = onMaster.nextMessage(WAIT);
			fact("SPUBLISH on a replica of the slot's master: " + reply + ", its subscriber got " + payload(atReplica)
					+ ", the master's got " + payload(atMaster) + "; on a replica of another master: " + foreign);

			assertThat(reply).isEqualTo("1");
			assertThat(payload(atReplica)).isEqualTo("from-replica");
			assertThat(payload(atMaster)).isEqualTo("from-replica");
			assertThat(foreign).startsWith("MOVED " + this.cluster.slotOf(channel) + " " + master.address());
		}
	}

	@Test
	void demotedMasterPassesSpublishOnToTheNewMaster() throws Exception {
		String channel = "demoted-publish";
		RedisNode master = this.cluster.ownerOfChannel(channel);
		RedisNode replica = this.cluster.operations().replicasOf(master).get(0);
		PushRecorder onNewMaster = new PushRecorder();
		replica.commands().clusterFailover(false);
		awaitRole(replica, true);
		try (StatefulRedisPubSubConnection<String, String> sub = subscribe(replica, channel, onNewMaster, false)) {
			// Publish the moment the old master knows it is a replica: ask it without pausing.
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (master.isMaster() && System.nanoTime() < deadline) {
				Thread.onSpinWait();
			}
			String early = attempt(() -> String.valueOf(master.commands().spublish(channel, "early")));
			boolean listedEarly = listsAsItsReplica(replica, master);
			List<String> earlyReceived = receive(onNewMaster, QUIET);
			this.cluster.awaitAgreement();
			Waits.until(WAIT, "the new master to list the old one as its replica",
					() -> listsAsItsReplica(replica, master) ? null : replica.commands().clusterNodes());
			String agreed = attempt(() -> String.valueOf(master.commands().spublish(channel, "agreed")));
			List<String> agreedReceived = receive(onNewMaster, Duration.ofSeconds(2));
			fact("SPUBLISH on the demoted master right after it knows its role (new master lists it as replica just "
					+ "after: " + listedEarly + "): " + early + ", new master's subscriber got " + earlyReceived
					+ "; after agreement: " + agreed + ", got " + agreedReceived);

			// A replica accepts SPUBLISH and passes it to the master it knows, whether or not that one knows it yet.
			assertThat(early).isEqualTo("0");
			assertThat(earlyReceived).containsExactly("early");
			assertThat(agreed).isEqualTo("0");
			assertThat(agreedReceived).containsExactly("agreed");
		}
	}

	@Test
	void removingTheSlotPushesSunsubscribe() throws Exception {
		String channel = "removed-slot";
		int slot = this.cluster.slotOf(channel);
		RedisNode owner = this.cluster.ownerOf(slot);
		PushRecorder recorder = new PushRecorder();
		try (StatefulRedisPubSubConnection<String, String> sub = subscribe(owner, channel, recorder, false)) {
			this.cluster.operations().removeSlot(slot);
			assertThat(payload(recorder.nextUnsubscribe(WAIT))).isEqualTo(channel);
		}
		finally {
			this.cluster.operations().assignSlot(slot, owner);
		}
	}

	private void fact(String text) {
		System.out.println("SERVER-FACT " + this.version + ": " + text);
	}

	private StatefulRedisPubSubConnection<String, String> subscribe(RedisNode node, String channel,
			PushRecorder recorder, boolean asking) {
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

	private static void awaitRole(RedisNode node, boolean master) {
		Waits.until(WAIT, node + " to be " + (master ? "master" : "replica"),
				() -> (node.isMaster() == master) ? null : "not yet");
	}

	private static boolean listsAsItsReplica(RedisNode master, RedisNode replica) {
		return ClusterView.parse(master.commands().clusterNodes()).replicaIdsOf(master.nodeId())
			.contains(replica.nodeId());
	}

	private static List<String> receive(PushRecorder recorder, Duration timeout) throws InterruptedException {
		List<String> received = new ArrayList<>();
		Arrival arrival;
		while ((arrival = recorder.nextMessage(timeout)) != null) {
			received.add(arrival.value());
		}
		return received;
	}

	/** Run a command; its reply, or the error reply's text. */
	private static String attempt(Supplier<String> command) {
		try {
			return command.get();
		}
		catch (RedisCommandExecutionException ex) {
			return ex.getMessage();
		}
	}

	/** SSUBSCRIBE again on a connection: {@code OK}, or the error reply's text. */
	private static String ssubscribe(StatefulRedisPubSubConnection<String, String> connection, String channel) {
		return attempt(() -> {
			connection.sync().ssubscribe(channel);
			return "OK";
		});
	}

	private static String payload(Arrival arrival) {
		return (arrival != null) ? arrival.value() : null;
	}

	private static String millis(Arrival arrival, long start) {
		return (arrival != null) ? String.format("+%.1f ms", (arrival.nanos() - start) / 1_000_000.0) : "none";
	}

	private static String pushedAt(String step, Arrival arrival, long start) {
		return (step != null) ? "pushed after the " + step + "'s SETSLOT NODE (" + millis(arrival, start) + ")"
				: "no push";
	}

}
