package dev.shardpubsub.reconcile;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

import org.junit.jupiter.api.Test;

import dev.shardpubsub.cluster.NodeAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RecentDeliveries}.
 */
class RecentDeliveriesTests {

	private static final NodeAddress MASTER = new NodeAddress("127.0.0.1", 7000);

	private static final NodeAddress REPLICA = new NodeAddress("127.0.0.1", 7001);

	private static final NodeAddress OTHER_SHARD = new NodeAddress("127.0.0.1", 7002);

	private static final long WINDOW = TimeUnit.MILLISECONDS.toNanos(100);

	private static final BiPredicate<NodeAddress, NodeAddress> SHARDS = (first, second) -> first.equals(second)
			|| !first.equals(OTHER_SHARD) && !second.equals(OTHER_SHARD);

	private final RecentDeliveries recent = new RecentDeliveries();

	@Test
	void copiesFromAnotherNodeOfTheShardAreDroppedOnce() {
		assertThat(copy(MASTER, "1", 0)).isFalse();
		assertThat(copy(MASTER, "2", 1)).isFalse();
		assertThat(copy(MASTER, "3", 2)).isFalse();
		// The failover: the replica delivers what the master had delivered, then new messages.
		assertThat(copy(REPLICA, "2", 20)).isTrue();
		assertThat(copy(REPLICA, "3", 21)).isTrue();
		assertThat(copy(REPLICA, "4", 22)).isFalse();
		// Each copy is dropped once: the same payload again is a new message.
		assertThat(copy(REPLICA, "3", 23)).isFalse();
	}

	@Test
	void copiesArrivingInAnotherOrderAreDropped() {
		// Around a failover "a" is published on the demoted master and "b" on the promoted replica: each node
		// delivers its own first and the other's after it.
		copy(MASTER, "a", 0);
		copy(MASTER, "b", 1);
		copy(MASTER, "c", 2);
		assertThat(copy(REPLICA, "b", 10)).isTrue();
		assertThat(copy(REPLICA, "a", 11)).isTrue();
		assertThat(copy(REPLICA, "c", 12)).isTrue();
		// Each delivery matches one copy only.
		assertThat(copy(REPLICA, "a", 13)).isFalse();
	}

	@Test
	void newMessagesInterleavedWithCopiesAreDelivered() {
		copy(MASTER, "1", 0);
		copy(MASTER, "2", 1);
		assertThat(copy(REPLICA, "x", 5)).isFalse();
		assertThat(copy(REPLICA, "1", 6)).isTrue();
		assertThat(copy(REPLICA, "y", 7)).isFalse();
		assertThat(copy(REPLICA, "2", 8)).isTrue();
	}

	@Test
	void deliveriesOlderThanTheWindowAreForgottenBeyondTheLastFour() {
		copy(MASTER, "1", 0);
		for (int i = 2; i <= 6; i++) {
			copy(MASTER, Integer.toString(i), 148 + i);
		}
		// "1" is older than the window and not among the master's last four deliveries: a new message.
		assertThat(copy(REPLICA, "1", 160)).isFalse();
		assertThat(copy(REPLICA, "4", 170)).isTrue();
	}

	@Test
	void aLaggingNodesCopiesOfTheLastDeliveriesAreDroppedPastTheWindow() {
		copy(MASTER, "1", 0);
		copy(MASTER, "2", 10);
		// The replica lags by 250 ms, more than the window: the master's last deliveries are still recognised.
		assertThat(copy(REPLICA, "1", 250)).isTrue();
		assertThat(copy(REPLICA, "2", 260)).isTrue();
		assertThat(copy(REPLICA, "3", 270)).isFalse();
	}

	@Test
	void aSilentNodesLastWindowOfDeliveriesIsMatchedByLateCopies() {
		for (int i = 0; i < 10; i++) {
			copy(MASTER, Integer.toString(i), i);
		}
		// The master dropped the slot; the replica, lagging by 500 ms, delivers its copies of all ten.
		for (int i = 0; i < 10; i++) {
			assertThat(copy(REPLICA, Integer.toString(i), 500 + i)).isTrue();
		}
		assertThat(copy(REPLICA, "10", 510)).isFalse();
	}

	@Test
	void aLateTakeOverReplaysWhatTheStandbySentSinceHalfAWindowBeforeTheHoldersLastDelivery() {
		copy(MASTER, "m", 450);
		for (int at = 0; at <= 600; at += 50) {
			this.recent.buffer(REPLICA, Integer.toString(at).getBytes(StandardCharsets.UTF_8), millis(at), WINDOW);
		}
		// The master's connection was lost after its delivery at 450 ms; the take-over comes at 620 ms. (The standby's
		// messages are kept for two windows.)
		assertThat(this.recent.takeBuffered(REPLICA, MASTER, millis(620), WINDOW)).extracting(this::text)
			.containsExactly("400", "450", "500", "550", "600");
	}

	@Test
	void aTakeOverFromANodeThatDeliveredNothingReplaysHalfAWindow() {
		for (int at = 0; at <= 600; at += 50) {
			this.recent.buffer(REPLICA, Integer.toString(at).getBytes(StandardCharsets.UTF_8), millis(at), WINDOW);
		}
		assertThat(this.recent.takeBuffered(REPLICA, MASTER, millis(620), WINDOW)).extracting(this::text)
			.containsExactly("600");
		assertThat(this.recent.takeBuffered(REPLICA, MASTER, millis(620), WINDOW)).isEmpty();
	}

	@Test
	void aNodeSilentForTenWindowsIsForgotten() {
		copy(MASTER, "1", 0);
		copy(REPLICA, "x", 500);
		assertThat(copy(REPLICA, "1", 1001)).isFalse();
	}

	@Test
	void movesToAnotherShardAndReconnectsDropNothing() {
		copy(MASTER, "1", 0);
		assertThat(copy(OTHER_SHARD, "1", 5)).isFalse();
		copy(MASTER, "2", 6);
		assertThat(copy(MASTER, "2", 7)).isFalse();
	}

	@Test
	void aMoveBackExpectsOnlyWhatTheLastNodeDelivered() {
		copy(MASTER, "1", 0);
		copy(REPLICA, "2", 10);
		assertThat(copy(MASTER, "1", 20)).isFalse();
		assertThat(copy(MASTER, "2", 21)).isTrue();
	}

	@Test
	void twoNodesDeliveringAtOnceDropEachOthersCopies() {
		copy(MASTER, "1", 0);
		copy(MASTER, "2", 1);
		// The promoted replica delivers new messages while the old master still delivers what it had.
		assertThat(copy(REPLICA, "10", 5)).isFalse();
		assertThat(copy(MASTER, "3", 6)).isFalse();
		assertThat(copy(REPLICA, "11", 7)).isFalse();
		// A replay of what the replica heard before, arriving late: copies of the master's deliveries.
		assertThat(copy(REPLICA, "2", 1)).isTrue();
		assertThat(copy(REPLICA, "3", 8)).isTrue();
		assertThat(copy(MASTER, "11", 9)).isTrue();
	}

	@Test
	void binaryPayloadsAreComparedByContent() {
		byte[] payload = { 0, (byte) 0xff, 10 };
		this.recent.isCopy(MASTER, payload, 0, WINDOW, SHARDS);
		assertThat(this.recent.isCopy(REPLICA, new byte[] { 0, (byte) 0xff, 11 }, 1, WINDOW, SHARDS)).isFalse();
		assertThat(this.recent.isCopy(REPLICA, payload.clone(), 2, WINDOW, SHARDS)).isTrue();
	}

	private static long millis(long millis) {
		return TimeUnit.MILLISECONDS.toNanos(millis);
	}

	private String text(RecentDeliveries.Delivery delivery) {
		return new String(delivery.payload(), StandardCharsets.UTF_8);
	}

	private boolean copy(NodeAddress node, String payload, long atMillis) {
		return this.recent.isCopy(node, payload.getBytes(StandardCharsets.UTF_8), TimeUnit.MILLISECONDS.toNanos(atMillis),
				WINDOW, SHARDS);
	}

}
