package dev.shardpubsub.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.cluster.PartitionSelectorException;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.messaging.Message;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.converter.MessageConverter;
import org.springframework.util.Assert;

import dev.shardpubsub.node.LettuceSupport;

/**
 * Publishes sharded pub/sub messages ({@code SPUBLISH}). Each message goes to the master that owns its channel's
 * slot in the cluster client's view (Lettuce routes it, and follows {@code MOVED} redirects).
 * <p>
 * <b>Failovers.</b> Publishing costs no extra round trip: a {@link PublishRecovery watchdog} only looks at
 * publishes that wait for an answer longer than a healthy node takes (20 ms):
 * <ul>
 * <li>A master that crashed ({@code kill -9}) answers nothing, and Lettuce holds what was sent to it until it can
 * reconnect to that address (and fails the one command it was reading an answer for). These publishes are sent
 * again to the slot's new master as soon as a topology refresh (every 100 ms while they wait) names it. A node
 * writes its answer before it passes a message on to its shard, so a message the crashed node did not answer
 * reached nobody: sent again, it is delivered once. The command Lettuce holds for the crashed node is completed
 * before the message is sent again, so Lettuce drops it: it is not written when the node comes back (as a
 * replica, which would pass it on to its new master: a second copy), nor routed to the new master when Lettuce
 * closes its connection to the old one. Publishes still waiting when the command timeout
 * ({@code spring.data.redis.timeout}) runs out fail with Lettuce's timeout, and are dropped likewise.</li>
 * <li>A master handing over to its replica ({@code CLUSTER FAILOVER}) holds publishes until the replica took over,
 * then answers them as a replica and passes them on to its new master over the cluster bus: they are delivered
 * there, and are not sent again. The topology is refreshed when they are answered (and while they wait), so that
 * the next publishes go straight to the new master. A frozen master's publishes likewise wait for it.</li>
 * <li>A connection to a node that is back but that Lettuce has not reconnected yet (its reconnect delay grows up
 * to 30 s) is renewed when publishes wait on it. The publishes sent again on the new connection are completed on
 * the old one first, so they are not written when the old one reconnects.</li>
 * </ul>
 * Without publishes waiting during a hand-over, the client's view follows the topology watcher's refresh
 * ({@code shard-pubsub.topology.refresh-period}, or at once when a listener's subscription on that node is
 * dropped). Publishing to a demoted master meanwhile loses nothing: it passes the message on.
 * <p>
 * Payloads: {@code byte[]} as is, {@code String} as UTF-8, anything else through the same message converter the
 * listeners use (JSON when Jackson is present).
 */
public class ShardPublisher implements SmartLifecycle, DisposableBean {

	private final Supplier<RedisClusterClient> client;

	private final @Nullable MessageConverter converter;

	private final Set<PublishAttempt> inFlight = ConcurrentHashMap.newKeySet();

	private volatile @Nullable StatefulRedisClusterConnection<String, byte[]> connection;

	private volatile @Nullable PublishRecovery recovery;

	private volatile boolean running;

	/**
	 * Create a publisher.
	 * @param client the cluster client
	 * @param converter converts object payloads, or {@code null} to accept only {@code String} and {@code byte[]}
	 */
	public ShardPublisher(Supplier<RedisClusterClient> client, @Nullable MessageConverter converter) {
		this.client = client;
		this.converter = converter;
	}

	/**
	 * Publish a message and wait for the answer.
	 * @param channel the shard channel
	 * @param payload the payload: {@code byte[]}, {@code String} or an object to convert
	 * @return the number of subscribers that received it on the node that took it (its shard's other nodes are not
	 * counted)
	 */
	public long publish(String channel, Object payload) {
		try {
			return publishAsync(channel, payload).get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while publishing to '" + channel + "'", ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			throw (cause instanceof RuntimeException runtime) ? runtime
					: new IllegalStateException("Could not publish to '" + channel + "'", cause);
		}
	}

	/**
	 * Publish a message without waiting.
	 * @param channel the shard channel
	 * @param payload the payload: {@code byte[]}, {@code String} or an object to convert
	 * @return completes with the number of subscribers that received it on the node that took it
	 */
	public CompletableFuture<Long> publishAsync(String channel, Object payload) {
		Assert.hasText(channel, "Channel must not be empty");
		Assert.notNull(payload, "Payload must not be null");
		PublishAttempt attempt = new PublishAttempt(channel, toBytes(channel, payload), SlotHash.getSlot(channel));
		send(attempt, connection());
		return attempt.result();
	}

	/**
	 * Send a message on a connection, and track it until it has an answer.
	 * @param attempt the message
	 * @param connection the connection
	 */
	void send(PublishAttempt attempt, StatefulRedisClusterConnection<String, byte[]> connection) {
		PublishNode node = owner(connection, attempt.slot());
		// What connection.async().spublish() does, but keeping what Lettuce queued: that is what must be completed
		// for Lettuce to drop the command when the message is sent again.
		CommandArgs<String, byte[]> args = new CommandArgs<>(LettuceSupport.CODEC).addKey(attempt.channel())
			.addValue(attempt.payload());
		AsyncCommand<String, byte[], Long> command = new AsyncCommand<>(
				new Command<>(CommandType.SPUBLISH, new IntegerOutput<>(LettuceSupport.CODEC), args));
		RedisCommand<String, byte[], Long> queued;
		try {
			queued = connection.dispatch(command);
		}
		catch (RuntimeException ex) {
			command.completeExceptionally(ex);
			queued = command;
		}
		attempt.sent(connection, node, command, queued, System.nanoTime());
		this.inFlight.add(attempt);
		RedisCommand<String, byte[], Long> queuedCommand = queued;
		command.whenComplete((receivers, error) -> {
			if (error != null) {
				// Failed without an answer (e.g. it timed out): Lettuce must not write it later.
				PublishAttempt.discard(queuedCommand);
			}
			if (causedBy(error, PartitionSelectorException.class) && attempt.resends() == 0
					&& attempt.release(command)) {
				// The client's view has no owner for the slot (it was uncovered when last seen): look again, once.
				this.client.get().refreshPartitionsAsync().whenComplete((ignored, failure) -> {
					StatefulRedisClusterConnection<String, byte[]> current = this.connection;
					if (current != null) {
						send(attempt, current);
					}
					else {
						this.inFlight.remove(attempt);
						attempt.result().completeExceptionally(error);
					}
				});
				return;
			}
			if (isConnectionFailure(error) && this.recovery != null && attempt.orphan(command, error)) {
				// The connection broke before the node answered: the watchdog sends it again.
				return;
			}
			if (attempt.ended(command, receivers, error)) {
				this.inFlight.remove(attempt);
				PublishRecovery watchdog = this.recovery;
				if (watchdog != null && error == null) {
					watchdog.answered(attempt);
				}
			}
		});
	}

	/**
	 * Whether a command failed because its connection broke (Lettuce fails the oldest command waiting on a
	 * connection that is reset, e.g. by a crashed node) or could not be opened.
	 * @param error the failure
	 * @return whether it is a connection failure
	 */
	static boolean isConnectionFailure(Throwable error) {
		return causedBy(error, IOException.class) || causedBy(error, RedisConnectionException.class);
	}

	private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
		int depth = 0;
		for (Throwable cause = error; cause != null && depth < 10; cause = cause.getCause(), depth++) {
			if (type.isInstance(cause)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The slot's owner in the client's view.
	 * @param connection a connection of the client
	 * @param slot the slot
	 * @return the owner, or {@code null} if the view has none
	 */
	static @Nullable PublishNode owner(StatefulRedisClusterConnection<?, ?> connection, int slot) {
		Partitions partitions = connection.getPartitions();
		return (partitions != null) ? PublishNode.of(partitions.getMasterBySlot(slot)) : null;
	}

	private byte[] toBytes(String channel, Object payload) {
		if (payload instanceof byte[] bytes) {
			return bytes;
		}
		if (payload instanceof String text) {
			return text.getBytes(StandardCharsets.UTF_8);
		}
		Message<?> message = (this.converter != null) ? this.converter.toMessage(payload, null) : null;
		if (message == null) {
			throw new MessageConversionException("Cannot convert a " + payload.getClass().getName()
					+ " payload for channel '" + channel + "': publish a String or byte[], or add Jackson "
					+ "(spring-boot-starter-json) to convert objects to JSON");
		}
		Object converted = message.getPayload();
		return (converted instanceof byte[] bytes) ? bytes
				: converted.toString().getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * The connection new publishes go to, opened on first use.
	 * @return the connection
	 */
	StatefulRedisClusterConnection<String, byte[]> connection() {
		StatefulRedisClusterConnection<String, byte[]> current = this.connection;
		if (current == null) {
			synchronized (this) {
				current = this.connection;
				if (current == null) {
					RedisClusterClient cluster = this.client.get();
					current = cluster.connect(LettuceSupport.CODEC);
					this.connection = current;
					this.recovery = new PublishRecovery(this, cluster, this.inFlight);
				}
			}
		}
		return current;
	}

	/**
	 * Make a new connection the one new publishes go to.
	 * @param fresh the new connection
	 * @return the connection it replaces, or {@code null} if the publisher was closed meanwhile
	 */
	synchronized @Nullable StatefulRedisClusterConnection<String, byte[]> replaceConnection(
			StatefulRedisClusterConnection<String, byte[]> fresh) {
		StatefulRedisClusterConnection<String, byte[]> previous = this.connection;
		if (previous != null) {
			this.connection = fresh;
		}
		return previous;
	}

	/**
	 * The connection new publishes go to, without opening one.
	 * @return the connection, or {@code null}
	 */
	@Nullable StatefulRedisClusterConnection<String, byte[]> currentConnection() {
		return this.connection;
	}

	@Override
	public void start() {
		this.running = true;
	}

	/**
	 * Close the connection before Spring Boot's connection factory (same phase, and this bean depends on it)
	 * shuts the cluster client down.
	 */
	@Override
	public void stop() {
		this.running = false;
		destroy();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public void destroy() {
		StatefulRedisClusterConnection<String, byte[]> current;
		PublishRecovery watchdog;
		synchronized (this) {
			current = this.connection;
			watchdog = this.recovery;
			this.connection = null;
			this.recovery = null;
		}
		if (watchdog != null) {
			watchdog.close();
		}
		IllegalStateException closed = new IllegalStateException("The publisher was closed");
		for (PublishAttempt attempt : this.inFlight) {
			if (attempt.isOrphaned()) {
				attempt.fail(closed);
			}
		}
		this.inFlight.clear();
		// Spring Boot's connection factory may have shut the client (and this connection) down already.
		if (current != null && current.isOpen()) {
			current.close();
		}
	}

}
