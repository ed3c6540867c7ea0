package dev.shardpubsub.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.shardpubsub.test.RedisNode;

/**
 * The facts a reader needs to judge the figures: CPUs, load, {@code redis-server} version, JVM.
 */
final class MachineFacts {

	private MachineFacts() {
	}

	static String describe(RedisNode anyNode) {
		String redis = anyNode.commands().info("server").lines()
			.filter((line) -> line.startsWith("redis_version:"))
			.map((line) -> line.substring("redis_version:".length()).trim())
			.findFirst()
			.orElse("?");
		return "machine: " + Runtime.getRuntime().availableProcessors() + " CPUs (nproc), " + cpuModel() + ", "
				+ System.getProperty("os.name") + " " + System.getProperty("os.version") + "\n"
				+ "redis-server " + redis + "; JVM " + System.getProperty("java.vm.name") + " "
				+ System.getProperty("java.runtime.version") + ", max heap "
				+ Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB";
	}

	/** @return the load averages (1, 5, 15 min), as {@code uptime} shows them */
	static String load() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + ", " + fields[1] + ", " + fields[2];
		}
		catch (IOException | RuntimeException ex) {
			return "unknown";
		}
	}

	private static String cpuModel() {
		try {
			List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
			return lines.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("unknown CPU");
		}
		catch (IOException | RuntimeException ex) {
			return "unknown CPU";
		}
	}

}
