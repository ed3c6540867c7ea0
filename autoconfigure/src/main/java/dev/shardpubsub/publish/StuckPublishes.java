package dev.shardpubsub.publish;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Decides what to do about publishes that wait for an answer longer than a healthy node takes. Nothing here does
 * I/O: {@link Connections} answers from what the client already knows.
 * <p>
 * A publish can wait for three reasons:
 * <ul>
 * <li>its node is busy or paused, e.g. a master during {@code CLUSTER FAILOVER} (it holds writes until its replica
 * took over) or a frozen process: the connection is open. The node will answer, or the command times out. A
 * demoted master passes what it then publishes on to its new master over the cluster bus (measured on Redis 7.0,
 * 7.2, 7.4 and Valkey 8.0), so sending the message again would duplicate it. The topology is refreshed (at most
 * every {@link #LAZY_REFRESH_NANOS}), so that the next publishes go to a new master as soon as there is one.</li>
 * <li>its connection is lost, e.g. the node crashed: Lettuce holds the command until it reconnects to that address,
 * which may be never, or long after a replica took over. The topology is refreshed often
 * ({@link #URGENT_REFRESH_NANOS}); once the view names another owner for the slot and the current connection
 * reaches it, the message is {@link Decision#resend() sent again} there. A crashed node answered none of those
 * commands, and a node writes its answer to the client before it passes the message on to the rest of its shard,
 * so none of them was delivered. The commands Lettuce still holds are {@link PublishAttempt#withdraw() withdrawn},
 * so that they are not written when the node comes back.</li>
 * <li>its connection is lost and the view still names the same node: if the node is back while Lettuce waits to
 * reconnect (its reconnect delay grows up to 30 s), the connection is {@link Decision#renew() renewed}: a new
 * cluster connection that reaches the owner carries the message.</li>
 * </ul>
 * A publish whose command failed with its connection ({@link PublishAttempt#isOrphaned() orphaned}: Lettuce fails
 * the oldest command it waits for when a connection is reset) is sent again as soon as the slot's owner, whichever
 * node that is, can be reached.
 */
final class StuckPublishes {

	/** A publish waiting longer than this is looked at. Healthy nodes answer in well under a millisecond. */
	static final long STUCK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

	/**
	 * A lost connection still down after this long, to a node the view names as the owner, is renewed: Lettuce
	 * reconnects at once after a dropped connection (and sends its commands again itself), so only a longer loss
	 * is ours to handle.
	 */
	static final long RENEW_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	/** Refresh period while a publish waits on a lost connection. */
	static final long URGENT_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	/** Refresh period while a publish waits on an open connection. */
	static final long LAZY_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	private StuckPublishes() {
	}

	/**
	 * Look at the publishes in flight.
	 * @param nowNanos the time
	 * @param inFlight the publishes in flight
	 * @param connections what the client knows of its connections and the topology
	 * @return what to do
	 */
	static Decision decide(long nowNanos, Iterable<PublishAttempt> inFlight, Connections connections) {
		Map<Object, Map<PublishNode, Boolean>> open = new HashMap<>();
		long refresh = 0;
		List<PublishAttempt> resend = new ArrayList<>();
		List<PublishAttempt> renew = new ArrayList<>();
		Object current = connections.current();
		for (PublishAttempt attempt : inFlight) {
			long waited = nowNanos - attempt.sentNanos();
			PublishNode node = attempt.node();
			boolean orphaned = attempt.isOrphaned();
			if (attempt.isDone() || (!orphaned && (waited < STUCK_NANOS || node == null))) {
				continue;
			}
			Object connection = attempt.connection();
			if (orphaned) {
				// Its command failed with the connection: send it again as soon as the owner can be reached.
				refresh = URGENT_REFRESH_NANOS;
				PublishNode owner = connections.owner(attempt.slot());
				if (owner == null) {
					continue;
				}
				if (isOpen(open, connections, current, owner)) {
					resend.add(attempt);
				}
				else if (owner.equals(node) && waited >= RENEW_AFTER_NANOS) {
					renew.add(attempt);
				}
				continue;
			}
			if (isOpen(open, connections, connection, node)) {
				refresh = (refresh == 0) ? LAZY_REFRESH_NANOS : refresh;
				continue;
			}
			refresh = URGENT_REFRESH_NANOS;
			PublishNode owner = connections.owner(attempt.slot());
			if (owner == null) {
				continue;
			}
			boolean stuckHere = connection == current && owner.equals(node);
			if (!stuckHere && isOpen(open, connections, current, owner)) {
				resend.add(attempt);
			}
			else if (stuckHere && waited >= RENEW_AFTER_NANOS) {
				renew.add(attempt);
			}
		}
		return new Decision(refresh, resend, renew);
	}

	private static boolean isOpen(Map<Object, Map<PublishNode, Boolean>> seen, Connections connections,
			@Nullable Object connection, @Nullable PublishNode node) {
		return seen.computeIfAbsent(connection, (key) -> new HashMap<>())
			.computeIfAbsent(node, (key) -> connections.isOpen(connection, node));
	}

	/**
	 * What the client knows, without a round trip.
	 */
	interface Connections {

		/** @return the connection new publishes go to */
		@Nullable Object current();

		/**
		 * @param slot a slot
		 * @return its owner in the client's freshest view, or {@code null} if none is known
		 */
		@Nullable PublishNode owner(int slot);

		/**
		 * Whether a connection's link to a node is up. May start connecting a link that is not there yet.
		 * @param connection a cluster connection
		 * @param node a node
		 * @return {@code true} if the link is connected now
		 */
		boolean isOpen(@Nullable Object connection, @Nullable PublishNode node);

	}

	/**
	 * What to do about the publishes in flight.
	 *
	 * @param refreshPeriodNanos refresh the topology if it was not refreshed for this long; 0 for no refresh
	 * @param resend publishes to send again on the current connection, which reaches their slot's owner
	 * @param renew publishes that need a new connection to their slot's owner
	 */
	record Decision(long refreshPeriodNanos, List<PublishAttempt> resend, List<PublishAttempt> renew) {

		boolean isEmpty() {
			return this.refreshPeriodNanos == 0 && this.resend.isEmpty() && this.renew.isEmpty();
		}

	}

}
