package dev.shardpubsub.test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One connection as reported by {@code CLIENT LIST}.
 *
 * @see RedisNode#clientList()
 */
public final class ClientInfo {

	private final Map<String, String> fields;

	private ClientInfo(Map<String, String> fields) {
		this.fields = Collections.unmodifiableMap(fields);
	}

	/**
	 * Parse the output of {@code CLIENT LIST}, one client per line of {@code key=value} pairs.
	 * @param clientList the raw reply
	 * @return one entry per client
	 */
	public static List<ClientInfo> parse(String clientList) {
		List<ClientInfo> clients = new ArrayList<>();
		for (String line : clientList.split("\\r?\\n")) {
			if (line.isBlank()) {
				continue;
			}
			Map<String, String> fields = new LinkedHashMap<>();
			for (String pair : line.trim().split(" ")) {
				int equals = pair.indexOf('=');
				if (equals > 0) {
					fields.put(pair.substring(0, equals), pair.substring(equals + 1));
				}
			}
			clients.add(new ClientInfo(fields));
		}
		return clients;
	}

	/**
	 * Return a raw field.
	 * @param name the field name, e.g. {@code "laddr"}
	 * @return the value, or {@code null} if the server does not report it
	 */
	public String get(String name) {
		return this.fields.get(name);
	}

	/** @return all fields in server order */
	public Map<String, String> fields() {
		return this.fields;
	}

	/** @return the client id */
	public long id() {
		return number("id");
	}

	/** @return the client's address, {@code host:port} */
	public String addr() {
		return get("addr");
	}

	/** @return the connection name set with {@code CLIENT SETNAME}, empty if none */
	public String name() {
		return get("name");
	}

	/** @return the last command the client ran, e.g. {@code "ssubscribe"} */
	public String cmd() {
		return get("cmd");
	}

	/** @return the client flags, e.g. {@code "P"} for a pub/sub client, {@code "S"} for a replica */
	public String flags() {
		return get("flags");
	}

	/** @return the number of classic channel subscriptions, -1 if not reported */
	public long sub() {
		return number("sub");
	}

	/** @return the number of pattern subscriptions, -1 if not reported */
	public long psub() {
		return number("psub");
	}

	/** @return the number of shard channel subscriptions, -1 if not reported */
	public long ssub() {
		return number("ssub");
	}

	private long number(String name) {
		String value = get(name);
		return (value != null && !value.isEmpty()) ? Long.parseLong(value) : -1;
	}

	@Override
	public String toString() {
		return "ClientInfo" + this.fields;
	}

}
