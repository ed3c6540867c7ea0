package dev.shardpubsub.benchmarks;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.springframework.context.ApplicationEventPublisher;

import dev.shardpubsub.topology.ClusterTopology;
import dev.shardpubsub.topology.NodeAddress;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * What-if variant of the {@link TopologyWatcher}, only installed when {@code bench.experiments} asks for it, to
 * measure a possible fix without touching the library: {@code async-refresh} starts a topology refresh on a
 * thread of its own instead of the caller's (Lettuce's {@code refreshPartitionsAsync()} does milliseconds of work
 * before it returns), {@code refresh-on-push} also refreshes the topology on every server push (on that thread).
 */
public class ExperimentalTopologyWatcher extends TopologyWatcher {

	private final boolean asyncRefresh;

	private final boolean refreshOnPush;

	private final ExecutorService refresher = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "experimental-topology-refresh");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * Create a watcher.
	 * @param topology where the topology comes from
	 * @param publisher publishes the events
	 * @param refreshPeriod the period of the backstop refresh
	 * @param asyncRefresh whether to refresh on a thread of its own
	 * @param refreshOnPush whether to refresh on every server push
	 */
	public ExperimentalTopologyWatcher(ClusterTopology topology, ApplicationEventPublisher publisher,
			Duration refreshPeriod, boolean asyncRefresh, boolean refreshOnPush) {
		super(topology, publisher, refreshPeriod);
		this.asyncRefresh = asyncRefresh;
		this.refreshOnPush = refreshOnPush;
	}

	@Override
	public void requestRefresh() {
		if (this.asyncRefresh) {
			this.refresher.execute(super::requestRefresh);
		}
		else {
			super.requestRefresh();
		}
	}

	@Override
	public void serverUnsubscribed(NodeAddress node, String channel) {
		super.serverUnsubscribed(node, channel);
		if (this.refreshOnPush) {
			// Not on the Redis I/O thread that reported the push.
			this.refresher.execute(super::requestRefresh);
		}
	}

	@Override
	public void stop() {
		super.stop();
		this.refresher.shutdownNow();
	}

}
