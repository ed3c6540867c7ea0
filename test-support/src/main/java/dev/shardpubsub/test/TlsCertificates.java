package dev.shardpubsub.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throw-away TLS material for an {@link EmbeddedRedisCluster} started with {@link EmbeddedRedisClusterBuilder#tls()}:
 * a self-signed CA and one server certificate it signed, valid for {@code 127.0.0.1} and {@code localhost}, as PEM
 * files. Made with the {@code openssl} command line tool, which must be on the {@code PATH}.
 * <p>
 * Point a client's trust store at {@link #caCertificate()}, e.g. Spring Boot's
 * {@code spring.ssl.bundle.pem.<name>.truststore.certificate=file:<caCertificate>}. The nodes also present the
 * server certificate to each other (cluster bus and replication run over TLS too).
 */
public final class TlsCertificates {

	private final Path caCertificate;

	private final Path certificate;

	private final Path privateKey;

	private TlsCertificates(Path directory) {
		this.caCertificate = directory.resolve("ca.crt");
		this.certificate = directory.resolve("redis.crt");
		this.privateKey = directory.resolve("redis.key");
	}

	/** @return the CA certificate (PEM) that signed {@link #certificate()} */
	public Path caCertificate() {
		return this.caCertificate;
	}

	/** @return the nodes' certificate (PEM), with subject alternative names {@code IP:127.0.0.1, DNS:localhost} */
	public Path certificate() {
		return this.certificate;
	}

	/** @return the private key of {@link #certificate()} (PEM, PKCS#8) */
	public Path privateKey() {
		return this.privateKey;
	}

	/**
	 * Generate a CA and a server certificate (EC P-256, valid for two days) in a directory.
	 * @param directory where to write {@code ca.crt}, {@code ca.key}, {@code redis.crt} and {@code redis.key}
	 * @return the generated files
	 * @throws IllegalStateException if {@code openssl} is missing or fails
	 */
	public static TlsCertificates generate(Path directory) {
		TlsCertificates files = new TlsCertificates(directory);
		try {
			Files.createDirectories(directory);
			Path caKey = directory.resolve("ca.key");
			Path request = directory.resolve("redis.csr");
			Path extensions = directory.resolve("redis.ext");
			Files.writeString(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
			List<String> ec = List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes");
			openssl(directory, concat(List.of("req", "-x509"), ec, List.of("-keyout", caKey.toString(), "-out",
					files.caCertificate.toString(), "-days", "2", "-subj", "/CN=shard-pubsub test CA")));
			openssl(directory, concat(List.of("req"), ec, List.of("-keyout", files.privateKey.toString(), "-out",
					request.toString(), "-subj", "/CN=localhost")));
			openssl(directory, List.of("x509", "-req", "-in", request.toString(), "-CA", files.caCertificate.toString(),
					"-CAkey", caKey.toString(), "-CAcreateserial", "-out", files.certificate.toString(), "-days", "2",
					"-extfile", extensions.toString()));
			return files;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not write TLS material to " + directory, ex);
		}
	}

	private static void openssl(Path directory, List<String> arguments) {
		List<String> command = new ArrayList<>();
		command.add("openssl");
		command.addAll(arguments);
		try {
			Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("openssl " + String.join(" ", arguments) + " failed:\n" + output);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(
					"Could not run openssl (needed for a TLS cluster; Debian/Ubuntu: 'apt-get install -y openssl')", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while running openssl", ex);
		}
	}

	@SafeVarargs
	private static List<String> concat(List<String>... parts) {
		List<String> all = new ArrayList<>();
		for (List<String> part : parts) {
			all.addAll(part);
		}
		return all;
	}

}
