package dev.shardpubsub.test;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Polling helpers: cluster state converges by gossip, so tests wait for it instead of sleeping a fixed time.
 */
public final class Waits {

	/** How long {@link #until} sleeps between two checks. */
	public static final Duration POLL_INTERVAL = Duration.ofMillis(50);

	private Waits() {
	}

	/**
	 * Poll until the check returns {@code null} (meaning "done"); otherwise it returns the reason it is not done.
	 * A check that throws counts as not done, with the exception as the reason.
	 * @param timeout how long to wait
	 * @param what what we wait for, for the exception message
	 * @param check returns {@code null} when done, else a diagnostic
	 * @throws IllegalStateException with the last diagnostic on timeout
	 */
	public static void until(Duration timeout, String what, Supplier<String> check) {
		long deadline = System.nanoTime() + timeout.toNanos();
		String problem;
		while (true) {
			try {
				problem = check.get();
			}
			catch (RuntimeException ex) {
				problem = ex.toString();
			}
			if (problem == null) {
				return;
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Timed out after " + timeout.toMillis() + " ms waiting for " + what
						+ ":\n" + problem);
			}
			sleep(POLL_INTERVAL);
		}
	}

	/**
	 * Sleep, turning an interrupt into an exception (with the thread's interrupt flag set again).
	 * @param duration how long
	 * @throws IllegalStateException if interrupted
	 */
	public static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

}
