package dev.shardpubsub.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

import dev.shardpubsub.event.SlotMigrationsChangedEvent;

import dev.shardpubsub.cluster.SlotMigration;

/**
 * Watches for slot migrations that can be seen coming: while {@code redis-cli --cluster reshard} moves a slot's keys,
 * the target is {@code IMPORTING} it for as long as that takes, and a subscription made there ahead (with
 * {@code ASKING}) is ready when the slot is handed over. Asks every master for its {@code CLUSTER NODES} on a short
 * period (shorter while a migration is under way, to see it end) and publishes a {@link SlotMigrationsChangedEvent}
 * when the migrations change.
 * <p>
 * A slot without keys is handed over within milliseconds of its {@code IMPORTING}: no poll sees that, and the
 * server's {@code sunsubscribe} push is what moves its subscriptions.
 */
public class SlotMigrationWatcher implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(SlotMigrationWatcher.class);

	private final ClusterTopology topology;

	private final ApplicationEventPublisher publisher;

	private final Duration period;

	private final Duration busyPeriod;

	/** The migrations seen by the last check, by slot; only touched by the watcher's thread. */
	private Map<Integer, SlotMigration> current = Map.of();

	private volatile @Nullable ScheduledExecutorService scheduler;

	private volatile boolean running;

	/**
	 * Create a watcher.
	 * @param topology asks the masters
	 * @param publisher publishes the events
	 * @param period how often to check; zero not to check
	 */
	public SlotMigrationWatcher(ClusterTopology topology, ApplicationEventPublisher publisher, Duration period) {
		this.topology = topology;
		this.publisher = publisher;
		this.period = period;
		this.busyPeriod = Duration.ofMillis(Math.max(1, Math.min(period.toMillis(), 50)));
		Assert.isTrue(!period.isNegative(), "The period must not be negative");
	}

	private void check() {
		if (!this.running) {
			return;
		}
		try {
			this.topology.migrations().whenComplete((migrations, error) -> onThread(() -> {
				if (error != null) {
					logger.debug("Could not ask the masters for slot migrations: " + error.getMessage());
				}
				else {
					update(migrations);
				}
				scheduleCheck();
			}));
		}
		catch (RuntimeException ex) {
			logger.debug("Could not ask the masters for slot migrations: " + ex.getMessage());
			scheduleCheck();
		}
	}

	private void scheduleCheck() {
		Duration next = this.current.isEmpty() ? this.period : this.busyPeriod;
		onThread(() -> {
			ScheduledExecutorService executor = this.scheduler;
			if (executor != null) {
				executor.schedule(this::check, next.toMillis(), TimeUnit.MILLISECONDS);
			}
		});
	}

	private void onThread(Runnable task) {
		ScheduledExecutorService executor = this.scheduler;
		if (executor == null || !this.running) {
			return;
		}
		try {
			executor.execute(() -> {
				if (this.running && this.scheduler == executor) {
					task.run();
				}
			});
		}
		catch (RejectedExecutionException ex) {
			// Stopped meanwhile.
		}
	}

	private void update(List<SlotMigration> reported) {
		Map<Integer, SlotMigration> now = new TreeMap<>();
		for (SlotMigration migration : reported) {
			// The source reports MIGRATING and the target IMPORTING: one migration, with both ends when known.
			now.merge(migration.slot(), migration,
					(first, second) -> new SlotMigration(first.slot(),
							(first.source() != null) ? first.source() : second.source(),
							(first.target() != null) ? first.target() : second.target()));
		}
		List<SlotMigration> started = new ArrayList<>();
		List<SlotMigration> ended = new ArrayList<>();
		now.forEach((slot, migration) -> {
			if (!migration.equals(this.current.get(slot))) {
				started.add(migration);
			}
		});
		this.current.forEach((slot, migration) -> {
			if (!migration.equals(now.get(slot))) {
				ended.add(migration);
			}
		});
		this.current = now;
		if (!started.isEmpty() || !ended.isEmpty()) {
			SlotMigrationsChangedEvent event = new SlotMigrationsChangedEvent(this, started, ended, System.nanoTime());
			logger.debug(event);
			this.publisher.publishEvent(event);
		}
	}

	@Override
	public void start() {
		if (this.period.isZero()) {
			return;
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "shard-pubsub-migrations");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler = executor;
		this.running = true;
		executor.schedule(this::check, this.period.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Override
	public void stop() {
		this.running = false;
		ScheduledExecutorService executor = this.scheduler;
		this.scheduler = null;
		if (executor != null) {
			executor.shutdownNow();
		}
		this.topology.close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return TopologyWatcher.PHASE;
	}

}
