package dev.shardpubsub.cluster;

import java.util.Objects;

import io.lettuce.core.RedisURI;

/**
 * The address of one cluster node, as the cluster announces it ({@code host:port}).
 *
 * @param host the host or IP address
 * @param port the port
 */
public record NodeAddress(String host, int port) implements Comparable<NodeAddress> {

	public NodeAddress {
		Objects.requireNonNull(host, "host must not be null");
	}

	/**
	 * Parse {@code host:port} (the last colon separates the port, so IPv6 addresses work).
	 * @param hostAndPort the address
	 * @return the parsed address
	 */
	public static NodeAddress parse(String hostAndPort) {
		int colon = hostAndPort.lastIndexOf(':');
		if (colon <= 0 || colon == hostAndPort.length() - 1) {
			throw new IllegalArgumentException("Not a host:port address: '" + hostAndPort + "'");
		}
		return new NodeAddress(hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
	}

	/**
	 * The address of a Lettuce URI.
	 * @param uri the URI
	 * @return its address
	 */
	public static NodeAddress of(RedisURI uri) {
		return new NodeAddress(uri.getHost(), uri.getPort());
	}

	@Override
	public int compareTo(NodeAddress other) {
		int byHost = this.host.compareTo(other.host);
		return (byHost != 0) ? byHost : Integer.compare(this.port, other.port);
	}

	@Override
	public String toString() {
		return this.host + ":" + this.port;
	}

}
