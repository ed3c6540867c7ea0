package dev.shardpubsub.publish;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;

import io.lettuce.core.protocol.RedisCommand;
import org.jspecify.annotations.Nullable;

/**
 * One message on its way: the {@code SPUBLISH} that carries it now (sent on a cluster connection, routed by Lettuce
 * to the node its view names for the slot), and the future the caller holds. A message stranded on a lost node
 * connection is sent again, and its earlier command is {@link #discard(RedisCommand) discarded} first: the caller's
 * future completes with the answer of exactly one command, and the message goes out once.
 * <p>
 * Discarding completes the command Lettuce queued, not only the future it handed out. Lettuce queues a cluster
 * command in a wrapper that follows redirects, and that wrapper counts as done only once it is completed itself:
 * cancelling the future inside it does not stop Lettuce from writing it when the lost connection comes back (the
 * node restarted), nor from routing it to the slot's new owner when that connection is closed. Lettuce writes no
 * command that is done.
 */
final class PublishAttempt {

	private final String channel;

	private final byte[] payload;

	private final int slot;

	private final CompletableFuture<Long> result = new CompletableFuture<>();

	private @Nullable Object connection;

	private @Nullable PublishNode node;

	private @Nullable CompletableFuture<Long> command;

	private @Nullable RedisCommand<?, ?, Long> queued;

	private long sentNanos;

	private long firstSentNanos;

	private int resends;

	private @Nullable Throwable orphanedBy;

	PublishAttempt(String channel, byte[] payload, int slot) {
		this.channel = channel;
		this.payload = payload;
		this.slot = slot;
	}

	String channel() {
		return this.channel;
	}

	byte[] payload() {
		return this.payload;
	}

	int slot() {
		return this.slot;
	}

	/** @return the caller's future: the answer of the command that carried the message */
	CompletableFuture<Long> result() {
		return this.result;
	}

	synchronized @Nullable Object connection() {
		return this.connection;
	}

	/** @return the node the view named for the slot when the command was sent, or {@code null} */
	synchronized @Nullable PublishNode node() {
		return this.node;
	}

	synchronized long sentNanos() {
		return this.sentNanos;
	}

	synchronized int resends() {
		return this.resends;
	}

	/** @return when the message was first sent */
	synchronized long firstSentNanos() {
		return this.firstSentNanos;
	}

	/** @return whether the message lost its command to a connection failure and waits to be sent again */
	synchronized boolean isOrphaned() {
		return this.orphanedBy != null;
	}

	/** @return whether the caller has an answer */
	boolean isDone() {
		return this.result.isDone();
	}

	/**
	 * Record the command now carrying the message.
	 * @param connection the connection it was sent on
	 * @param node the node the view named for the slot, or {@code null}
	 * @param command the command's future
	 * @param queued the command as Lettuce queued it (what {@code dispatch} returned), to {@link #discard discard}
	 * it
	 * @param nanos when it was sent
	 */
	synchronized void sent(Object connection, @Nullable PublishNode node, CompletableFuture<Long> command,
			RedisCommand<?, ?, Long> queued, long nanos) {
		this.connection = connection;
		this.node = node;
		this.command = command;
		this.queued = queued;
		this.sentNanos = nanos;
		this.orphanedBy = null;
		if (this.firstSentNanos == 0) {
			this.firstSentNanos = nanos;
		}
	}

	/**
	 * The command failed with its connection (Lettuce fails the oldest command it waits for when the connection
	 * breaks): keep the message for sending again.
	 * @param command the command that failed
	 * @param error its failure, reported if the message cannot be sent again
	 * @return whether it was the command carrying the message
	 */
	synchronized boolean orphan(Future<Long> command, Throwable error) {
		if (this.command != command || isDone()) {
			return false;
		}
		this.command = null;
		this.queued = null;
		this.orphanedBy = error;
		return true;
	}

	/**
	 * Take an orphaned message to send it again.
	 * @return whether it was orphaned (and still is not answered)
	 */
	synchronized boolean adopt() {
		if (this.orphanedBy == null || isDone()) {
			return false;
		}
		this.orphanedBy = null;
		this.resends++;
		return true;
	}

	/**
	 * Give up on an orphaned message: the caller gets the failure that orphaned it.
	 * @return whether the message was orphaned
	 */
	boolean abandon() {
		Throwable error;
		synchronized (this) {
			error = this.orphanedBy;
			this.orphanedBy = null;
		}
		return error != null && complete(null, error);
	}

	/**
	 * Fail the message, whatever carries it (the publisher is closing).
	 * @param error the failure
	 */
	void fail(Throwable error) {
		RedisCommand<?, ?, Long> current;
		synchronized (this) {
			current = this.queued;
			this.command = null;
			this.queued = null;
			this.orphanedBy = null;
		}
		if (current != null) {
			discard(current);
		}
		complete(null, error);
	}

	/**
	 * A command ended: complete the caller's future, unless a later command carries the message.
	 * @param command the command that ended
	 * @param receivers its answer
	 * @param error or its failure
	 * @return whether the caller's future was completed
	 */
	synchronized boolean ended(Future<Long> command, Long receivers, Throwable error) {
		if (this.command != command) {
			return false;
		}
		this.command = null;
		this.queued = null;
		return complete(receivers, error);
	}

	/**
	 * Take the message off a command that failed, to send it again.
	 * @param command the command that failed
	 * @return whether it was the command carrying the message
	 */
	synchronized boolean release(Future<Long> command) {
		if (this.command != command) {
			return false;
		}
		this.command = null;
		this.queued = null;
		this.resends++;
		return true;
	}

	/**
	 * Take the message off its current command so that it can be sent again: the command is
	 * {@link #discard(RedisCommand) discarded}, so Lettuce never writes it (again). If the command ended meanwhile,
	 * the caller gets its answer instead.
	 * @return whether the message must be sent again
	 */
	boolean withdraw() {
		CompletableFuture<Long> current;
		RedisCommand<?, ?, Long> queued;
		synchronized (this) {
			current = this.command;
			queued = this.queued;
			if (current == null || queued == null || current.isDone()) {
				return false;
			}
			this.command = null;
			this.queued = null;
			this.resends++;
		}
		if (discard(queued)) {
			return true;
		}
		// The answer came between the check and the cancel: it is the caller's.
		try {
			complete(current.join(), null);
		}
		catch (CompletionException ex) {
			complete(null, ex.getCause());
		}
		catch (RuntimeException ex) {
			complete(null, ex);
		}
		return false;
	}

	/**
	 * Complete a command as Lettuce queued it, with a {@link CancellationException}, unless it is done: Lettuce then
	 * neither writes it (a command it holds for a lost connection, written when that connection is back) nor sends
	 * it on to another node (what it holds for a connection it closes is routed again). If it was written already,
	 * its answer is read and dropped.
	 * @param queued what the connection's {@code dispatch} returned
	 * @return whether this completed the command's future, i.e. it had no answer yet
	 */
	static boolean discard(RedisCommand<?, ?, ?> queued) {
		return queued.completeExceptionally(new CancellationException("Discarded by the publisher"));
	}

	private boolean complete(@Nullable Long receivers, @Nullable Throwable error) {
		return (error != null) ? this.result.completeExceptionally(error) : this.result.complete(receivers);
	}

	@Override
	public String toString() {
		return "SPUBLISH " + this.channel + " (slot " + this.slot + ")";
	}

}
