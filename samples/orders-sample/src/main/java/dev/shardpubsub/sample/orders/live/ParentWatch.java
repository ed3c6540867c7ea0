package dev.shardpubsub.sample.orders.live;

import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Ends the app when the demo that started it is gone ({@code sample.live.parent-pid}), even if the demo was killed
 * and could not stop it.
 */
@Component
@Profile("demo")
class ParentWatch implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ParentWatch.class);

	private final long parentPid;

	private final ApplicationContext context;

	private volatile boolean running;

	ParentWatch(@Value("${sample.live.parent-pid:0}") long parentPid, ApplicationContext context) {
		this.parentPid = parentPid;
		this.context = context;
	}

	@Override
	public void start() {
		this.running = true;
		Optional<ProcessHandle> parent = (this.parentPid > 0) ? ProcessHandle.of(this.parentPid) : Optional.empty();
		if (this.parentPid > 0) {
			Thread watcher = new Thread(() -> {
				while (this.running) {
					if (parent.isEmpty() || !parent.get().isAlive()) {
						logger.warn("The demo (pid " + this.parentPid + ") is gone: stopping");
						System.exit(SpringApplication.exit(this.context, () -> 3));
					}
					try {
						Thread.sleep(500);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "parent-watch");
			watcher.setDaemon(true);
			watcher.start();
		}
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

}
