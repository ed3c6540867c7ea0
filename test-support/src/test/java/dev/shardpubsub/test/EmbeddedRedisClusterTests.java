package dev.shardpubsub.test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests against one 3 x (1 + 1) cluster. Tests pick their nodes from the current topology, because earlier tests
 * may have failed over masters.
 */
@EmbeddedCluster
class EmbeddedRedisClusterTests {

	private static EmbeddedRedisCluster fromBeforeAll;

	private static RedisClient client;

	private final EmbeddedRedisCluster cluster;

	private final ClusterOperations operations;

	EmbeddedRedisClusterTests(EmbeddedRedisCluster cluster) {
		this.cluster = cluster;
		this.operations = cluster.operations();
	}

	@BeforeAll
	static void clusterIsRunningBeforeAll(EmbeddedRedisCluster cluster) {
		assertThat(cluster.isClosed()).isFalse();
		fromBeforeAll = cluster;
		client = RedisClient.create();
	}

	@AfterAll
	static void closeClient() {
		client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
	}

	@BeforeEach
	void startFromAgreedCluster(EmbeddedRedisCluster cluster) {
		assertThat(cluster).isSameAs(this.cluster).isSameAs(fromBeforeAll);
		cluster.awaitAgreement();
	}

	@Test
	void startsThreeMastersWithOneReplicaEachCoveringAllSlots() {
		List<RedisNode> nodes = this.cluster.nodes();
		assertThat(nodes).hasSize(6);
		assertThat(this.cluster.masters()).hasSize(3);
		assertThat(this.cluster.replicas()).hasSize(3);
		for (RedisNode master : this.cluster.masters()) {
			assertThat(this.operations.replicasOf(master)).hasSize(1);
			assertThat(master.isMaster()).isTrue();
		}
		Set<String> ids = new HashSet<>();
		for (RedisNode node : nodes) {
			String info = node.commands().clusterInfo();
			assertThat(info).contains("cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:6");
			assertThat(node.nodeId()).hasSize(40).isEqualTo(node.execute("CLUSTER MYID"));
			assertThat(node.pid()).isPositive();
			assertThat(node.address()).isEqualTo("127.0.0.1:" + node.port());
			ids.add(node.nodeId());
		}
		assertThat(ids).hasSize(6);
		for (int slot : new int[] { 0, 5460, 5461, 10922, 10923, 16383 }) {
			assertThat(this.cluster.ownerOf(slot)).isNotNull().matches(RedisNode::isMaster);
		}
		assertThat(this.cluster.nodesProperty().split(",")).hasSize(6)
			.allMatch((address) -> address.matches("127\\.0\\.0\\.1:\\d+"));
	}

	@Test
	void nodesPropertyWorksWithClusterClient() {
		List<RedisURI> uris = java.util.Arrays.stream(this.cluster.nodesProperty().split(","))
			.map((address) -> RedisURI.create("redis://" + address))
			.toList();
		RedisClusterClient clusterClient = RedisClusterClient.create(uris);
		try (StatefulRedisClusterConnection<String, String> connection = clusterClient.connect()) {
			RedisAdvancedClusterCommands<String, String> commands = connection.sync();
			for (int i = 0; i < 20; i++) {
				commands.set("key-" + i, "value-" + i);
			}
			for (int i = 0; i < 20; i++) {
				assertThat(commands.get("key-" + i)).isEqualTo("value-" + i);
				// The key lives where the cluster says its slot lives.
				RedisNode owner = this.operations.ownerOf(this.operations.slotOf("key-" + i));
				assertThat(owner.commands().get("key-" + i)).isEqualTo("value-" + i);
			}
		}
		finally {
			clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		}
	}

	@Test
	void executeAndClientListShowShardSubscribers() {
		String channel = "client-list-channel";
		RedisNode owner = this.cluster.ownerOfChannel(channel);
		assertThat(owner.execute("CLUSTER", "INFO")).asString().contains("cluster_state:ok");
		assertThat(owner.execute("CLUSTER KEYSLOT", channel)).isEqualTo((long) this.operations.slotOf(channel));
		assertThat(owner.execute("ECHO", "hello")).isEqualTo("hello");
		try (StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub(owner.redisUri())) {
			subscriber.sync().clientSetname("probe");
			subscriber.sync().ssubscribe(channel);
			ClientInfo probe = owner.clientList().stream().filter((c) -> "probe".equals(c.name())).findFirst().get();
			assertThat(probe.cmd()).isEqualTo("ssubscribe");
			assertThat(probe.ssub()).isEqualTo(1);
			assertThat(probe.sub()).isZero();
			assertThat(probe.flags()).contains("P");
			assertThat(probe.addr()).startsWith("127.0.0.1:");
		}
	}

	@Test
	void migrateSlotMovesKeysAndClusterClientFollows() {
		String tag = "{migrate}";
		int slot = this.operations.slotOf(tag);
		RedisNode source = this.cluster.ownerOf(slot);
		RedisNode target = otherMaster(source);
		RedisClusterClient clusterClient = RedisClusterClient.create(this.cluster.redisUris());
		try (StatefulRedisClusterConnection<String, String> connection = clusterClient.connect()) {
			for (int i = 0; i < 50; i++) {
				connection.sync().set(tag + i, "v" + i);
			}
			assertThat(this.cluster.migrateSlot(slot, target)).isEqualTo(50);
			assertThat(this.cluster.ownerOf(slot)).isSameAs(target);
			assertThat(target.commands().clusterCountKeysInSlot(slot)).isEqualTo(50);
			assertThat(source.commands().clusterCountKeysInSlot(slot)).isZero();
			assertThat(ownersSeen(slot)).containsOnly(target.nodeId());
			// The client still routes to the source and must follow MOVED.
			for (int i = 0; i < 50; i++) {
				assertThat(connection.sync().get(tag + i)).isEqualTo("v" + i);
			}
		}
		finally {
			clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		}
		int first = this.operations.slotOf("{range}");
		RedisNode rangeTarget = otherMaster(this.cluster.ownerOf(first));
		assertThat(this.operations.migrateSlots(first, first + 2, rangeTarget)).isZero();
		assertThat(List.of(first, first + 1, first + 2)).allMatch((s) -> this.cluster.ownerOf(s) == rangeTarget);
	}

	@Test
	void setSlotNodeMovesEmptySlotThereAndBackAndPushesSunsubscribe() throws Exception {
		String channel = "set-slot-node";
		int slot = this.operations.slotOf(channel);
		RedisNode source = this.cluster.ownerOf(slot);
		RedisNode target = otherMaster(source);
		BlockingQueue<String> pushes = new LinkedBlockingQueue<>();
		try (StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub(source.redisUri())) {
			subscriber.addListener(new RedisPubSubAdapter<>() {
				@Override
				public void sunsubscribed(String ch, long count) {
					pushes.add(ch);
				}
			});
			subscriber.sync().ssubscribe(channel);
			this.operations.setSlotNode(slot, target);
			assertThat(pushes.poll(5, TimeUnit.SECONDS)).isEqualTo(channel);
		}
		assertThat(this.cluster.ownerOf(slot)).isSameAs(target);
		// Back again: now the old owner may have the lower epoch, which must not matter.
		this.operations.setSlotNode(slot, source);
		Thread.sleep(this.cluster.nodeTimeout().toMillis());
		assertThat(ownersSeen(slot)).containsOnly(source.nodeId());
		String keySlotTag = "{" + channel + "}";
		RedisNode owner = this.cluster.ownerOf(slot);
		owner.commands().set(keySlotTag, "x");
		try {
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> this.operations.setSlotNode(slot, otherMaster(owner)))
				.withMessageContaining("migrateSlot");
		}
		finally {
			owner.commands().del(keySlotTag);
		}
	}

	@Test
	void failoverPromotesTheReplica() {
		String channel = "failover-channel";
		RedisNode master = this.cluster.ownerOfChannel(channel);
		RedisNode replica = this.operations.replicasOf(master).get(0);
		RedisNode promoted = this.cluster.failover(master);
		assertThat(promoted).isSameAs(replica);
		assertThat(promoted.isMaster()).isTrue();
		assertThat(master.isMaster()).isFalse();
		assertThat(this.cluster.ownerOfChannel(channel)).isSameAs(promoted);
		assertThat(this.operations.replicasOf(promoted)).containsExactly(master);
		assertThat(this.cluster.masters()).contains(promoted).doesNotContain(master);
	}

	@Test
	void killedMasterIsFailedOverAndRejoinsAsReplicaAfterRestart() {
		String key = "{killed}";
		int slot = this.operations.slotOf(key);
		RedisNode master = this.cluster.ownerOf(slot);
		RedisNode replica = this.operations.replicasOf(master).get(0);
		String nodeId = master.nodeId();
		long pid = master.pid();
		master.commands().set(key, "survives");
		assertThat(master.commands().waitForReplication(1, 5000)).isEqualTo(1);

		this.operations.kill(master);
		assertThat(master.isRunning()).isFalse();
		assertThat(master.pid()).isEqualTo(-1);
		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

		RedisNode promoted = this.operations.awaitFailoverOf(master, Duration.ofSeconds(30));
		assertThat(promoted).isSameAs(replica);
		assertThat(this.cluster.ownerOf(slot)).isSameAs(promoted);
		assertThat(promoted.commands().get(key)).isEqualTo("survives");

		this.operations.restart(master);
		assertThat(master.isRunning()).isTrue();
		assertThat(master.pid()).isNotEqualTo(pid);
		assertThat(master.execute("CLUSTER MYID")).isEqualTo(nodeId);
		assertThat(master.isMaster()).isFalse();
		assertThat(this.operations.replicasOf(promoted)).containsExactly(master);
		promoted.commands().del(key);
	}

	@Test
	void pausedMasterIsFailedOverAndComesBackAsReplicaWhenResumed() throws Exception {
		RedisNode master = this.cluster.ownerOfChannel("paused");
		RedisNode replica = this.operations.replicasOf(master).get(0);
		this.operations.pause(master);
		try {
			assertThat(master.isPaused()).isTrue();
			// SIGSTOP is delivered asynchronously: the process shows as stopped a moment later.
			Waits.until(Duration.ofSeconds(2), "the process stopped", () -> stateUnless(master.pid(), "T"));
			RedisURI uri = RedisURI.builder(master.redisUri()).withTimeout(Duration.ofMillis(300)).build();
			try (StatefulRedisConnection<String, String> connection = client.connect(RedisURI.create(uri.toURI()))) {
				throw new AssertionError("A paused node should not complete the handshake: " + connection);
			}
			catch (RuntimeException expected) {
				// the connect or its first command times out
			}
			assertThat(this.operations.awaitFailoverOf(master)).isSameAs(replica);
		}
		finally {
			this.operations.resume(master);
		}
		assertThat(master.isPaused()).isFalse();
		Waits.until(Duration.ofSeconds(2), "the process running", () -> "T".equals(state(master.pid())) ? "T" : null);
		this.cluster.awaitAgreement();
		assertThat(master.isMaster()).isFalse();
		assertThat(master.commands().ping()).isEqualTo("PONG");
		assertThat(this.operations.replicasOf(replica)).containsExactly(master);
	}

	@Test
	void removedSlotHasNoOwnerUntilAssigned() {
		String key = "{uncovered}";
		int slot = this.operations.slotOf(key);
		RedisNode owner = this.cluster.ownerOf(slot);
		RedisNode newOwner = otherMaster(owner);
		this.operations.removeSlot(slot);
		try {
			assertThat(this.cluster.ownerOf(slot)).isNull();
			assertThat(ownersSeen(slot)).containsOnlyNulls();
			for (RedisNode node : liveNodes()) {
				assertThat(node.commands().clusterInfo()).contains("cluster_state:fail",
						"cluster_slots_assigned:16383");
			}
			assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> owner.commands().get(key))
				.withMessageContaining("CLUSTERDOWN");
		}
		finally {
			this.operations.assignSlot(slot, newOwner);
		}
		assertThat(this.cluster.ownerOf(slot)).isSameAs(newOwner);
		for (RedisNode node : liveNodes()) {
			assertThat(node.commands().clusterInfo()).contains("cluster_state:ok", "cluster_slots_assigned:16384");
		}
		assertThat(newOwner.commands().set(key, "ok")).isEqualTo("OK");
		newOwner.commands().del(key);
	}

	@Nested
	class NestedTests {

		@Test
		void nestedClassSharesTheCluster(EmbeddedRedisCluster nested) {
			assertThat(nested).isSameAs(EmbeddedRedisClusterTests.this.cluster);
		}

	}

	private RedisNode otherMaster(RedisNode master) {
		return this.cluster.masters().stream().filter((node) -> node != master).findFirst().orElseThrow();
	}

	private List<RedisNode> liveNodes() {
		return this.cluster.nodes().stream().filter(RedisNode::isLive).toList();
	}

	/** The owner of a slot as each live node sees it itself ({@code null} for none). */
	private List<String> ownersSeen(int slot) {
		return liveNodes().stream().map((node) -> ClusterView.parse(node.commands().clusterNodes()).ownerId(slot))
			.toList();
	}

	/** {@code null} if the process is in the state, else its state. */
	private static String stateUnless(long pid, String expected) {
		String state = state(pid);
		return expected.equals(state) ? null : state;
	}

	private static String state(long pid) {
		try {
			return processState(pid);
		}
		catch (Exception ex) {
			return ex.toString();
		}
	}

	private static String processState(long pid) throws Exception {
		// /proc/<pid>/stat: "pid (comm) S ..."
		String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
		return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
	}

}
