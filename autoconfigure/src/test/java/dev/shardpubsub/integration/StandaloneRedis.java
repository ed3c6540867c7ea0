package dev.shardpubsub.integration;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A plain {@code redis-server} (no cluster mode) on a free loopback port, for tests of a wrong configuration.
 */
final class StandaloneRedis implements AutoCloseable {

	private final int port;

	private final Process process;

	private final Path directory;

	private StandaloneRedis(int port, Process process, Path directory) {
		this.port = port;
		this.process = process;
		this.directory = directory;
	}

	static StandaloneRedis start() throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		Path directory = Files.createTempDirectory("shard-pubsub-standalone-");
		String binary = System.getProperty("shardpubsub.redis-server",
				(System.getenv("SHARD_PUBSUB_REDIS_SERVER") != null) ? System.getenv("SHARD_PUBSUB_REDIS_SERVER")
						: "redis-server");
		Process process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--dir", directory.toString())
			.redirectErrorStream(true)
			.redirectOutput(directory.resolve("stdout.log").toFile())
			.start();
		StandaloneRedis redis = new StandaloneRedis(port, process, directory);
		redis.awaitPong(Duration.ofSeconds(10));
		return redis;
	}

	int port() {
		return this.port;
	}

	String address() {
		return "127.0.0.1:" + this.port;
	}

	private void awaitPong(Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			try (Socket socket = new Socket("127.0.0.1", this.port)) {
				OutputStream out = socket.getOutputStream();
				out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				InputStream in = socket.getInputStream();
				byte[] reply = new byte[7];
				if (in.readNBytes(reply, 0, 7) == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
					return;
				}
			}
			catch (IOException ex) {
				if (System.nanoTime() > deadline || !this.process.isAlive()) {
					close();
					throw new IOException("redis-server on port " + this.port + " did not start", ex);
				}
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException("interrupted", ex);
			}
		}
	}

	@Override
	public void close() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.directory.resolve("stdout.log").toFile().delete();
		this.directory.toFile().delete();
	}

}
