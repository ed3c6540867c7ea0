package dev.shardpubsub.reconcile;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The reconciler's own thread: every change of subscription state runs here, one step at a time, so that no lock is
 * held while waiting on Redis and Redis I/O threads are never blocked. Restartable after {@link #shutdown()}.
 */
final class SerialExecutor {

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private volatile ScheduledThreadPoolExecutor executor = newExecutor();

	private volatile @Nullable ReconcilePassListener passListener;

	void setPassListener(ReconcilePassListener passListener) {
		this.passListener = passListener;
	}

	/**
	 * Run a step on the thread; a failing step is logged, later steps run. Dropped once shut down.
	 * @param task the step
	 */
	void execute(Runnable task) {
		try {
			this.executor.execute(() -> {
				long started = System.nanoTime();
				try {
					task.run();
				}
				catch (RuntimeException ex) {
					logger.error("Shard subscription reconcile step failed", ex);
				}
				ReconcilePassListener listener = this.passListener;
				if (listener != null) {
					listener.onPass(Duration.ofNanos(System.nanoTime() - started));
				}
			});
		}
		catch (RuntimeException ex) {
			logger.debug("Reconciler stopped; dropped a step: " + ex.getMessage());
		}
	}

	ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
		return this.executor.schedule(() -> execute(task), delayMillis, TimeUnit.MILLISECONDS);
	}

	void scheduleWithFixedDelay(Runnable task, long periodMillis) {
		this.executor.scheduleWithFixedDelay(() -> execute(task), periodMillis, periodMillis, TimeUnit.MILLISECONDS);
	}

	/**
	 * Wait until no step is running or due: every step queued so far has run, and every step those queued too
	 * (timers due later, such as retries and the periodic standby check, do not count). For tests, which drive the
	 * reconciler through it instead of probing it with subscriptions.
	 * @param timeout how long to wait at most
	 * @return whether it became idle in time
	 * @throws InterruptedException if interrupted while waiting
	 */
	boolean awaitIdle(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			CountDownLatch ran = new CountDownLatch(1);
			execute(ran::countDown);
			if (!ran.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
				return false;
			}
			ScheduledThreadPoolExecutor current = this.executor;
			boolean due = current.getQueue()
				.stream()
				.anyMatch((queued) -> !(queued instanceof Delayed delayed) || delayed.getDelay(TimeUnit.NANOSECONDS) <= 0);
			if (!due && current.getActiveCount() == 0) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Make the thread again after a shutdown.
	 */
	void restartIfShutdown() {
		if (this.executor.isShutdown()) {
			this.executor = newExecutor();
		}
	}

	void shutdown() {
		this.executor.shutdownNow();
	}

	private static ScheduledThreadPoolExecutor newExecutor() {
		ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "shard-pubsub-reconciler");
			thread.setDaemon(true);
			return thread;
		});
		executor.setRemoveOnCancelPolicy(true);
		return executor;
	}

}
