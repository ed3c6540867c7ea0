package dev.shardpubsub.benchmarks;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A time line of what the reconciler asked of the node connections and what came back: server pushes, lost
 * connections, each {@code SSUBSCRIBE} sent and its outcome. Filled by {@link TracingNodeSubscriptionClient}.
 */
public final class SubscribeTrace {

	private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();

	void add(Kind kind, long nanos, String node, boolean newConnection, String detail) {
		this.entries.add(new Entry(nanos, kind, node, newConnection, detail));
	}

	List<Entry> between(long fromNanos, long toNanos) {
		return this.entries.stream()
			.filter((entry) -> entry.nanos() >= fromNanos && entry.nanos() < toNanos)
			.sorted((a, b) -> Long.compare(a.nanos(), b.nanos()))
			.toList();
	}

	/**
	 * What happened.
	 */
	enum Kind {

		/** The node pushed an unsolicited {@code sunsubscribe}. */
		PUSH,

		/** The pub/sub connection to the node was lost. */
		CONNECTION_LOST,

		/** The reconciler handed an {@code SSUBSCRIBE} to the node client. */
		SUBSCRIBE_SENT,

		/** The node confirmed every channel. */
		SUBSCRIBED,

		/** The node answered {@code MOVED}. */
		MOVED,

		/** The subscribe failed otherwise (no connection, timeout, error). */
		FAILED,

		/** The reconciler handed a {@code SUNSUBSCRIBE} to the node client. */
		UNSUBSCRIBE_SENT

	}

	/**
	 * One point of the time line.
	 *
	 * @param nanos when
	 * @param kind what
	 * @param node which node ({@code host:port})
	 * @param newConnection for {@link Kind#SUBSCRIBE_SENT}: whether the node client had no connection to the node
	 * yet (the command waits for a new one)
	 * @param detail an error message, or {@code null}
	 */
	record Entry(long nanos, Kind kind, String node, boolean newConnection, String detail) {
	}

}
