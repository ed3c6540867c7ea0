package dev.shardpubsub.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A process the suite starts (the publisher's JVM, node-redis, a cold-start JVM): its output lines are read on a
 * thread of their own, echoed with a prefix, and can be waited for; commands go to its standard input.
 */
final class ChildProcess implements AutoCloseable {

	private final String name;

	private final Process process;

	private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

	private final List<String> all = Collections.synchronizedList(new ArrayList<>());

	private final Writer input;

	private ChildProcess(String name, Process process, PrintStream echo) {
		this.name = name;
		this.process = process;
		this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		Thread reader = new Thread(() -> {
			try (BufferedReader out = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = out.readLine()) != null) {
					if (echo != null) {
						echo.println("  [" + name + "] " + line);
					}
					this.lines.add(line);
					this.all.add(line);
				}
			}
			catch (IOException ex) {
				// the process is gone
			}
		}, name + "-output");
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Start a process.
	 * @param name a short name for its output
	 * @param command the command line
	 * @param directory its working directory, or {@code null}
	 * @param echo where to copy its output, or {@code null}
	 * @return the started process
	 */
	static ChildProcess start(String name, List<String> command, Path directory, PrintStream echo) {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		if (directory != null) {
			builder.directory(directory.toFile());
		}
		try {
			return new ChildProcess(name, builder.start(), echo);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start " + command, ex);
		}
	}

	/**
	 * The command line of a child JVM running a main class of this jar, with the same Java.
	 * @param mainClass the class with the {@code main} method
	 * @param jvmOptions options before the class
	 * @param args its arguments
	 * @return the command
	 */
	static List<String> java(Class<?> mainClass, List<String> jvmOptions, List<String> args) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		String classPath = System.getProperty("java.class.path");
		command.add("-cp");
		command.add(classPath);
		if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
			// the Spring Boot jar: its launcher finds the nested jars
			command.add("-Dloader.main=" + mainClass.getName());
			command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
		}
		else {
			command.add(mainClass.getName());
		}
		command.addAll(args);
		return command;
	}

	/**
	 * Wait for a line starting with a prefix.
	 * @param prefix the prefix
	 * @param timeout how long
	 * @return the line
	 */
	String await(String prefix, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		try {
			while (true) {
				long left = deadline - System.nanoTime();
				String line = (left > 0) ? this.lines.poll(Math.min(left, 200_000_000L), TimeUnit.NANOSECONDS) : null;
				if (line != null && line.startsWith(prefix)) {
					return line;
				}
				if (line == null && (left <= 0 || (!this.process.isAlive() && this.lines.isEmpty()))) {
					throw new IllegalStateException(this.name + ": no '" + prefix + "' line within "
							+ timeout.toSeconds() + " s" + (this.process.isAlive() ? "" : " (it exited)"));
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	/**
	 * Collect the lines starting with a prefix until the process exits.
	 * @param prefix the prefix
	 * @param timeout how long to wait for the exit
	 * @return the lines
	 */
	List<String> collectUntilExit(String prefix, Duration timeout) {
		try {
			if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new IllegalStateException(this.name + " did not finish within " + timeout.toSeconds() + " s");
			}
			Thread.sleep(100);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
		List<String> found = new ArrayList<>();
		for (String line : this.lines) {
			if (line.startsWith(prefix)) {
				found.add(line);
			}
		}
		return found;
	}

	/**
	 * Every line printed so far that starts with a prefix, whether waited for or not.
	 * @param prefix the prefix
	 * @return the lines
	 */
	List<String> printed(String prefix) {
		synchronized (this.all) {
			return this.all.stream().filter((line) -> line.startsWith(prefix)).toList();
		}
	}

	/**
	 * Send one line to its standard input.
	 * @param line the line
	 */
	void send(String line) {
		try {
			this.input.write(line + "\n");
			this.input.flush();
		}
		catch (IOException ex) {
			throw new IllegalStateException(this.name + " does not take input any more", ex);
		}
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			this.process.destroy();
			try {
				if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
					this.process.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				this.process.destroyForcibly();
			}
		}
	}

}
