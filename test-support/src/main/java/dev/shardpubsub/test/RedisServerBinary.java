package dev.shardpubsub.test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Locates the {@code redis-server} executable and checks that it is recent enough for sharded pub/sub.
 */
final class RedisServerBinary {

	/** System property naming the redis-server executable. */
	static final String SYSTEM_PROPERTY = "shardpubsub.redis-server";

	/** Environment variable naming the redis-server executable. */
	static final String ENVIRONMENT_VARIABLE = "SHARD_PUBSUB_REDIS_SERVER";

	private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");

	private static final String HOW_TO_INSTALL = "Install Redis 7.0 or newer (Debian/Ubuntu: 'apt-get install -y redis-server') "
			+ "or point the system property '" + SYSTEM_PROPERTY + "' or the environment variable '" + ENVIRONMENT_VARIABLE
			+ "' at a redis-server executable.";

	private final Path path;

	private final String version;

	private RedisServerBinary(Path path, String version) {
		this.path = path;
		this.version = version;
	}

	Path path() {
		return this.path;
	}

	String version() {
		return this.version;
	}

	/**
	 * Resolve the executable: the explicit choice, else the system property, else the environment variable, else
	 * {@code redis-server} on the {@code PATH}; then check {@code --version} is 7.0 or newer.
	 * @param explicit an explicitly configured executable, or {@code null}
	 * @return the checked binary
	 * @throws IllegalStateException if it is missing, not executable or too old
	 */
	static RedisServerBinary resolve(String explicit) {
		String configured = firstNonBlank(explicit, System.getProperty(SYSTEM_PROPERTY),
				System.getenv(ENVIRONMENT_VARIABLE));
		Path path = (configured != null) ? Path.of(configured) : findOnPath("redis-server");
		if (path == null) {
			throw new IllegalStateException("redis-server was not found on the PATH. " + HOW_TO_INSTALL);
		}
		if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
			throw new IllegalStateException(
					"redis-server executable '" + path + "' does not exist or is not executable. " + HOW_TO_INSTALL);
		}
		String output = runVersion(path);
		Matcher matcher = VERSION.matcher(output);
		if (!matcher.find()) {
			throw new IllegalStateException("Could not read the version of '" + path + "' from '" + output.trim()
					+ "'. " + HOW_TO_INSTALL);
		}
		int major = Integer.parseInt(matcher.group(1));
		String version = matcher.group(1) + "." + matcher.group(2) + "." + matcher.group(3);
		if (major < 7) {
			// SSUBSCRIBE/SPUBLISH and CLUSTER SHARDS arrived in 7.0.
			throw new IllegalStateException("redis-server '" + path + "' is version " + version
					+ " but sharded pub/sub needs 7.0 or newer. " + HOW_TO_INSTALL);
		}
		return new RedisServerBinary(path, version);
	}

	private static String runVersion(Path path) {
		try {
			Process process = new ProcessBuilder(path.toString(), "--version").redirectErrorStream(true).start();
			byte[] bytes = process.getInputStream().readAllBytes();
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
			return new String(bytes, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run '" + path + " --version': " + ex.getMessage() + ". "
					+ HOW_TO_INSTALL, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while checking the redis-server version", ex);
		}
	}

	private static Path findOnPath(String name) {
		String pathVariable = System.getenv("PATH");
		if (pathVariable == null) {
			return null;
		}
		for (String directory : pathVariable.split(File.pathSeparator)) {
			if (directory.isEmpty()) {
				continue;
			}
			Path candidate = Path.of(directory, name);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

	private static String firstNonBlank(String... values) {
		for (String value : values) {
			if (value != null && !value.isBlank()) {
				return value.trim();
			}
		}
		return null;
	}

}
