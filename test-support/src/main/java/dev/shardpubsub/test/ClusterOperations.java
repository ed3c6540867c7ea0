package dev.shardpubsub.test;

import java.time.Duration;
import java.util.List;

/**
 * Topology changes for tests on an {@link EmbeddedRedisCluster}: slot migration, failover, crashes, pauses and
 * uncovered slots. Every operation that changes the topology returns once all live nodes agree on the result
 * (see {@link #awaitAgreement(Duration)}), except {@link #kill(ClusterNode) kill}, {@link #pause(ClusterNode) pause}
 * and {@link #resume(ClusterNode) resume}, which only act on the process.
 */
public final class ClusterOperations extends AbstractClusterOperations<RedisNode> {

	private final EmbeddedRedisCluster cluster;

	ClusterOperations(EmbeddedRedisCluster cluster, Duration defaultTimeout) {
		super(defaultTimeout);
		this.cluster = cluster;
	}

	/**
	 * Leave a slot without owner: {@code CLUSTER DELSLOTS} on every node, so that nobody serves it (shard
	 * subscribers of the slot on its old owner get a {@code sunsubscribe} push). With full coverage required, the
	 * cluster state turns {@code fail}; {@link #awaitAgreement} accepts that until {@link #assignSlot} is called.
	 * @param slot the slot
	 */
	public void removeSlot(int slot) {
		deliberatelyUncovered().add(slot);
		UncoveredSlots.remove(this.cluster.nodes(), slot, defaultTimeout());
		awaitAgreement();
	}

	/**
	 * Give an uncovered slot to a master ({@code CLUSTER ADDSLOTS}) and wait until every node agrees. Only the
	 * master needs the command: every other node accepts the claim by gossip because nobody owns the slot
	 * (about half a second on 7.0.15).
	 * @param slot the slot, uncovered
	 * @param master the new owner
	 */
	public void assignSlot(int slot, RedisNode master) {
		UncoveredSlots.assign(this.cluster.nodes(), slot, master, defaultTimeout());
		deliberatelyUncovered().remove(slot);
		awaitAgreement();
	}

	@Override
	protected List<RedisNode> nodes() {
		return this.cluster.nodes();
	}

	@Override
	protected List<RedisNode> masters() {
		return this.cluster.masters();
	}

	@Override
	protected void killProcess(RedisNode node) {
		node.kill();
	}

	@Override
	protected void restartProcess(RedisNode node) {
		if (node.isRunning()) {
			node.kill();
		}
		node.launch(null);
		node.awaitReady(defaultTimeout());
	}

	@Override
	protected void signalProcess(RedisNode node, String signal) {
		node.signal(signal, "STOP".equals(signal));
	}

}
