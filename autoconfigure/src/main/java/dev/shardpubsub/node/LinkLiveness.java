package dev.shardpubsub.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * When a {@link NodeLink} counts as dead: a command unanswered for the command timeout while the node sent nothing
 * else for as long. A node that keeps answering or pushing is busy, not gone (thousands of subscribes pipelined ahead
 * of the command, a loaded machine): the command waits on, {@value #MAX_TIMEOUTS} timeouts in all at most. Timing
 * each command alone would fail busy links, and their resubscribes would load the node further.
 */
final class LinkLiveness {

	private static final int MAX_TIMEOUTS = 5;

	private final long timeoutMillis;

	private final Consumer<String> dead;

	/** When the node last answered or pushed something (or the connection was made). */
	private volatile long lastActivityNanos = System.nanoTime();

	/**
	 * @param timeoutMillis the command timeout
	 * @param dead fails and closes the link, with the reason
	 */
	LinkLiveness(long timeoutMillis, Consumer<String> dead) {
		this.timeoutMillis = timeoutMillis;
		this.dead = dead;
	}

	/** The node answered or pushed something. */
	void touch() {
		this.lastActivityNanos = System.nanoTime();
	}

	boolean silentFor(long nowNanos, long nanos) {
		return nowNanos - this.lastActivityNanos >= nanos;
	}

	/**
	 * Watch a command just written: the link dies if it is unanswered (its future not done) in time.
	 * @param command the command
	 */
	void awaitAnswer(NodeCommand command) {
		awaitAnswer(command, System.nanoTime(), this.timeoutMillis);
	}

	private void awaitAnswer(NodeCommand command, long sentNanos, long delayMillis) {
		// Checked on the delay scheduler's own thread, as orTimeout completes there: the common pool (one thread on
		// two cores) may be held up by blocking work, for as long as a frozen node does not answer.
		CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> {
			if (command.future.isDone()) {
				return;
			}
			long now = System.nanoTime();
			long silentMillis = TimeUnit.NANOSECONDS.toMillis(now - this.lastActivityNanos);
			long waitedMillis = TimeUnit.NANOSECONDS.toMillis(now - sentNanos);
			if (silentMillis < this.timeoutMillis && waitedMillis < MAX_TIMEOUTS * this.timeoutMillis) {
				awaitAnswer(command, sentNanos, this.timeoutMillis - silentMillis);
				return;
			}
			this.dead.accept("no answer to " + command.kind + " within "
					+ ((silentMillis >= this.timeoutMillis) ? this.timeoutMillis : waitedMillis) + " ms");
		});
	}

}
