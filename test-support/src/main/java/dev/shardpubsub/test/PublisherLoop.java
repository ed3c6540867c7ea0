package dev.shardpubsub.test;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread of a test publisher: runs its publishing loop, which checks {@link #isRunning()}, until
 * {@link #stop(Duration) stopped}. Shared by the publishers that send sequence numbers independently of the
 * library under test (the chaos test's and the benchmarks').
 */
public final class PublisherLoop {

	private final String name;

	private final Runnable loop;

	private volatile boolean running;

	private volatile Thread thread;

	/**
	 * Create a loop, not started.
	 * @param name the name of its thread
	 * @param loop the publishing loop; it returns once {@link #isRunning()} is false
	 */
	public PublisherLoop(String name, Runnable loop) {
		this.name = name;
		this.loop = loop;
	}

	/**
	 * Start the loop on a daemon thread of its own.
	 */
	public void start() {
		this.running = true;
		Thread started = new Thread(this.loop, this.name);
		started.setDaemon(true);
		this.thread = started;
		started.start();
	}

	/**
	 * Return whether the loop should go on.
	 * @return whether it was started and not stopped
	 */
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Wake the loop if it is parked.
	 */
	public void wake() {
		Thread current = this.thread;
		if (current != null) {
			LockSupport.unpark(current);
		}
	}

	/**
	 * Ask the loop to end and wait for its thread.
	 * @param timeout how long to wait at most
	 */
	public void stop(Duration timeout) {
		this.running = false;
		Thread current = this.thread;
		if (current != null) {
			try {
				current.join(timeout.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
