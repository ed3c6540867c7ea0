package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.Range;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import dev.shardpubsub.test.ClusterView;
import dev.shardpubsub.test.Waits;

/**
 * Makes a cluster of freshly started nodes, from the host: slots spread evenly over the masters
 * ({@code CLUSTER ADDSLOTSRANGE}), every node introduced to the first ({@code CLUSTER MEET} with the bus port),
 * each replica attached to its master ({@code CLUSTER REPLICATE}), then waits until all agree.
 */
final class ContainerClusterBootstrap {

	private ContainerClusterBootstrap() {
	}

	/**
	 * @param nodes every node: the masters first, then the replicas; replica {@code i} follows master
	 * {@code i % masters}
	 * @param masters how many of them are masters
	 * @param operations for the final agreement
	 * @param timeout how long each step may take
	 */
	static void create(List<ContainerRedisNode> nodes, int masters, ContainerClusterOperations operations,
			Duration timeout) {
		for (ContainerRedisNode node : nodes) {
			node.awaitReady(timeout);
			node.nodeId(node.commands().clusterMyId());
		}
		for (int i = 0; i < masters; i++) {
			int low = i * ClusterView.SLOTS / masters;
			int high = (i + 1) * ClusterView.SLOTS / masters - 1;
			nodes.get(i).commands().clusterAddSlotsRange(Range.create(low, high));
		}
		ContainerRedisNode first = nodes.get(0);
		for (ContainerRedisNode node : nodes.subList(1, nodes.size())) {
			meet(first, node);
		}
		Waits.until(timeout, "every node to know every other", () -> {
			for (ContainerRedisNode node : nodes) {
				String clusterNodes = node.commands().clusterNodes();
				long known = clusterNodes.lines().filter((line) -> !line.isBlank()).count();
				if (known < nodes.size() || clusterNodes.contains("handshake") || clusterNodes.contains("noaddr")) {
					return node + " knows " + known + " of " + nodes.size() + " nodes:\n" + clusterNodes;
				}
			}
			return null;
		});
		for (int i = masters; i < nodes.size(); i++) {
			nodes.get(i).commands().clusterReplicate(nodes.get((i - masters) % masters).nodeId());
		}
		operations.awaitAgreement(timeout);
	}

	// Lettuce's clusterMeet has no bus port argument, and the bus port is not the client port + 10000 here.
	private static void meet(ContainerRedisNode from, ContainerRedisNode to) {
		CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("MEET")
			.add("127.0.0.1")
			.add(to.port())
			.add(to.busPort());
		from.commands().dispatch(CommandType.CLUSTER, new StatusOutput<>(StringCodec.UTF8), args);
	}

}
