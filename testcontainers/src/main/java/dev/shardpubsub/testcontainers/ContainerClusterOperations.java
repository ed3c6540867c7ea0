package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.List;

import dev.shardpubsub.test.AbstractClusterOperations;
import dev.shardpubsub.test.ClusterNode;

/**
 * Topology changes for tests on a {@link RedisClusterContainer}, the embedded kit's
 * {@link dev.shardpubsub.test.ClusterOperations} for a cluster in a container: slot migration, failover, crashes
 * and pauses. Every operation that changes the topology returns once all live nodes agree on the result, except
 * {@link #kill(ClusterNode) kill}, {@link #pause(ClusterNode) pause} and {@link #resume(ClusterNode) resume}, which
 * only act on the process (by a signal sent inside the container).
 */
public final class ContainerClusterOperations extends AbstractClusterOperations<ContainerRedisNode> {

	private final RedisClusterContainer container;

	ContainerClusterOperations(RedisClusterContainer container, Duration defaultTimeout) {
		super(defaultTimeout);
		this.container = container;
	}

	@Override
	protected List<ContainerRedisNode> nodes() {
		return this.container.nodes();
	}

	@Override
	protected List<ContainerRedisNode> masters() {
		return this.container.masters();
	}

	/** The nodes share the container: the source reaches the target on the container's loopback. */
	@Override
	protected String migrationHost(ContainerRedisNode target) {
		return "127.0.0.1";
	}

	@Override
	protected void killProcess(ContainerRedisNode node) {
		this.container.execScript(ClusterStartScript.killCommand(node.port()));
		node.running(false);
		node.paused(false);
		node.closeConnection();
	}

	@Override
	protected void restartProcess(ContainerRedisNode node) {
		if (node.isRunning()) {
			this.container.execScript(ClusterStartScript.killCommand(node.port()));
			node.closeConnection();
		}
		this.container.execScript(ClusterStartScript.restartCommand(node.port()));
		node.running(true);
		node.paused(false);
		node.awaitReady(defaultTimeout());
	}

	@Override
	protected void signalProcess(ContainerRedisNode node, String signal) {
		this.container.execScript(ClusterStartScript.signalCommand(node.port(), signal));
		node.paused("STOP".equals(signal));
	}

}
