package dev.shardpubsub.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.RedisCommand;
import org.junit.jupiter.api.Test;

import dev.shardpubsub.publish.StuckPublishes.Decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link StuckPublishes} and {@link PublishAttempt}: what the publisher's watchdog does about publishes
 * waiting for an answer, and how a message moves from one command to the next without being answered twice.
 */
class StuckPublishesTests {

	private static final PublishNode OLD_MASTER = new PublishNode("127.0.0.1", 7000);

	private static final PublishNode NEW_MASTER = new PublishNode("127.0.0.1", 7001);

	private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

	private final Object connection = new Object();

	private final FakeConnections connections = new FakeConnections(this.connection);

	@Test
	void publishesAnsweredInTimeNeedNothing() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		assertThat(StuckPublishes.decide(19 * MS, List.of(attempt), this.connections).isEmpty()).isTrue();
		attempt.ended(command(attempt), 0L, null);
		assertThat(StuckPublishes.decide(100 * MS, List.of(attempt), this.connections).isEmpty()).isTrue();
	}

	@Test
	void waitingOnAnOpenConnectionRefreshesLazilyAndNeverSendsAgain() {
		// A master holding writes during CLUSTER FAILOVER answers them as a replica and passes them on.
		this.connections.open(this.connection, OLD_MASTER);
		this.connections.owner = NEW_MASTER;
		this.connections.open(this.connection, NEW_MASTER);
		Decision decision = StuckPublishes.decide(5_000 * MS, List.of(sent(OLD_MASTER, 0)), this.connections);
		assertThat(decision.refreshPeriodNanos()).isEqualTo(StuckPublishes.LAZY_REFRESH_NANOS);
		assertThat(decision.resend()).isEmpty();
		assertThat(decision.renew()).isEmpty();
	}

	@Test
	void waitingOnALostConnectionRefreshesUrgentlyUntilAnotherOwnerIsReachable() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		this.connections.owner = OLD_MASTER;
		Decision crashed = StuckPublishes.decide(50 * MS, List.of(attempt), this.connections);
		assertThat(crashed.refreshPeriodNanos()).isEqualTo(StuckPublishes.URGENT_REFRESH_NANOS);
		assertThat(crashed.resend()).isEmpty();
		assertThat(crashed.renew()).isEmpty();

		this.connections.owner = NEW_MASTER;
		Decision promotedNotConnected = StuckPublishes.decide(60 * MS, List.of(attempt), this.connections);
		assertThat(promotedNotConnected.resend()).isEmpty();
		// Asking started the connection to the new master.
		assertThat(this.connections.asked).contains(NEW_MASTER);

		this.connections.open(this.connection, NEW_MASTER);
		Decision promoted = StuckPublishes.decide(80 * MS, List.of(attempt), this.connections);
		assertThat(promoted.resend()).containsExactly(attempt);
		assertThat(promoted.renew()).isEmpty();
	}

	@Test
	void aLostConnectionToTheSameOwnerIsRenewedOnlyAfterLettuceHadTimeToReconnect() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		this.connections.owner = OLD_MASTER;
		assertThat(StuckPublishes.decide(StuckPublishes.RENEW_AFTER_NANOS - MS, List.of(attempt), this.connections)
			.renew()).isEmpty();
		Decision late = StuckPublishes.decide(StuckPublishes.RENEW_AFTER_NANOS, List.of(attempt), this.connections);
		assertThat(late.renew()).containsExactly(attempt);
		assertThat(late.resend()).isEmpty();
	}

	@Test
	void aPublishStuckOnAReplacedConnectionGoesToTheCurrentOneOnceItReachesTheOwner() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		Object renewed = new Object();
		this.connections.current = renewed;
		this.connections.owner = OLD_MASTER;
		this.connections.open(renewed, OLD_MASTER);
		assertThat(StuckPublishes.decide(30 * MS, List.of(attempt), this.connections).resend())
			.containsExactly(attempt);
	}

	@Test
	void anUncoveredSlotWaits() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		this.connections.owner = null;
		Decision decision = StuckPublishes.decide(500 * MS, List.of(attempt), this.connections);
		assertThat(decision.refreshPeriodNanos()).isEqualTo(StuckPublishes.URGENT_REFRESH_NANOS);
		assertThat(decision.resend()).isEmpty();
		assertThat(decision.renew()).isEmpty();
	}

	@Test
	void anOrphanIsSentAgainAsSoonAsTheOwnerCanBeReachedEvenOnTheSameConnection() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		assertThat(attempt.orphan(command(attempt), new IOException("Connection reset"))).isTrue();
		assertThat(attempt.isDone()).isFalse();
		this.connections.owner = OLD_MASTER;
		assertThat(StuckPublishes.decide(MS, List.of(attempt), this.connections).resend()).isEmpty();
		// Lettuce reconnected (a reset connection to a live node).
		this.connections.open(this.connection, OLD_MASTER);
		assertThat(StuckPublishes.decide(2 * MS, List.of(attempt), this.connections).resend())
			.containsExactly(attempt);
	}

	@Test
	void connectionFailuresAreRecognisedThroughTheirCauses() {
		assertThat(ShardPublisher.isConnectionFailure(new IOException("Connection reset"))).isTrue();
		assertThat(ShardPublisher.isConnectionFailure(
				new RuntimeException(new RedisConnectionException("Unable to connect")))).isTrue();
		assertThat(ShardPublisher.isConnectionFailure(new IllegalStateException("ERR something"))).isFalse();
		assertThat(ShardPublisher.isConnectionFailure(null)).isFalse();
	}

	@Test
	void aWithdrawnCommandIsCompletedWhereLettuceQueuedItAndItsLateEndIgnored() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		CompletableFuture<Long> first = command(attempt);
		assertThat(this.queued.get(attempt).isDone()).isFalse();
		assertThat(attempt.withdraw()).isTrue();
		assertThat(first).isCancelled();
		assertThat(this.queued.get(attempt).isDone()).as("what Lettuce would still write").isTrue();
		assertThat(attempt.ended(first, null, new CancellationException())).isFalse();
		AsyncCommand<String, String, Long> second = spublish();
		attempt.sent(this.connection, NEW_MASTER, second, new QueuedCommand<>(second), 10 * MS);
		assertThat(attempt.resends()).isEqualTo(1);
		assertThat(attempt.ended(second, 1L, null)).isTrue();
		assertThat(attempt.result()).isCompletedWithValue(1L);
	}

	@Test
	void aCommandAnsweredBeforeItCouldBeWithdrawnAnswersTheCaller() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		command(attempt).complete(3L);
		// Its completion callback has not run yet.
		assertThat(attempt.withdraw()).isFalse();
		assertThat(attempt.ended(command(attempt), 3L, null)).isTrue();
		assertThat(attempt.result()).isCompletedWithValue(3L);
	}

	@Test
	void anOrphanIsAbandonedWithTheFailureThatOrphanedIt() {
		PublishAttempt attempt = sent(OLD_MASTER, 0);
		IOException reset = new IOException("Connection reset");
		attempt.orphan(command(attempt), reset);
		assertThat(attempt.abandon()).isTrue();
		assertThatExceptionOfType(Exception.class).isThrownBy(() -> attempt.result().join()).withCause(reset);
		assertThat(attempt.adopt()).isFalse();
	}

	@Test
	void aFailedPublishIsDiscarded() {
		AsyncCommand<String, String, Long> command = spublish();
		QueuedCommand<String, String, Long> queued = new QueuedCommand<>(command);
		assertThat(PublishAttempt.discard(queued)).isTrue();
		assertThat(queued.isDone()).isTrue();
		assertThat(command).isCancelled();
		assertThat(PublishAttempt.discard(queued)).isFalse();
	}

	private final Map<PublishAttempt, CompletableFuture<Long>> commands = new HashMap<>();

	private final Map<PublishAttempt, RedisCommand<?, ?, Long>> queued = new HashMap<>();

	private PublishAttempt sent(PublishNode node, long nanos) {
		PublishAttempt attempt = new PublishAttempt("channel", "payload".getBytes(StandardCharsets.UTF_8), 42);
		AsyncCommand<String, String, Long> command = spublish();
		QueuedCommand<String, String, Long> queuedCommand = new QueuedCommand<>(command);
		this.commands.put(attempt, command);
		this.queued.put(attempt, queuedCommand);
		attempt.sent(this.connection, node, command, queuedCommand, nanos);
		return attempt;
	}

	private static AsyncCommand<String, String, Long> spublish() {
		return new AsyncCommand<>(new Command<>(CommandType.SPUBLISH, new IntegerOutput<>(StringCodec.UTF8)));
	}

	/**
	 * What Lettuce queues for a cluster connection (its package-private {@code ClusterCommand}): done only once it
	 * is completed itself, whatever happened to the future it wraps.
	 */
	private static final class QueuedCommand<K, V, T> extends CommandWrapper<K, V, T> {

		private volatile boolean completed;

		QueuedCommand(RedisCommand<K, V, T> command) {
			super(command);
		}

		@Override
		public void complete() {
			super.complete();
			this.completed = true;
		}

		@Override
		public boolean completeExceptionally(Throwable throwable) {
			this.completed = true;
			return super.completeExceptionally(throwable);
		}

		@Override
		public boolean isDone() {
			return this.completed;
		}

	}

	private CompletableFuture<Long> command(PublishAttempt attempt) {
		return this.commands.get(attempt);
	}

	private static final class FakeConnections implements StuckPublishes.Connections {

		private final Map<Object, Set<PublishNode>> open = new HashMap<>();

		private final Set<PublishNode> asked = new HashSet<>();

		private Object current;

		private PublishNode owner;

		FakeConnections(Object current) {
			this.current = current;
		}

		void open(Object connection, PublishNode node) {
			this.open.computeIfAbsent(connection, (key) -> new HashSet<>()).add(node);
		}

		@Override
		public Object current() {
			return this.current;
		}

		@Override
		public PublishNode owner(int slot) {
			return this.owner;
		}

		@Override
		public boolean isOpen(Object connection, PublishNode node) {
			this.asked.add(node);
			return this.open.getOrDefault(connection, Set.of()).contains(node);
		}

	}

}
