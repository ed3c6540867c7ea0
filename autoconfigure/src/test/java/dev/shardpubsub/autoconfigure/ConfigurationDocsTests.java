package dev.shardpubsub.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/configuration.md} lists every property of the configuration metadata the build generates from
 * {@link ShardPubSubProperties} (and the additional metadata), with its type, default and description, so the page
 * cannot drift from the code. After changing a property, regenerate the table:
 * {@code mvn -pl autoconfigure test -Dtest=ConfigurationDocsTests -Dconfiguration-docs.write=true}.
 */
class ConfigurationDocsTests {

	static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");

	static final Path DOCS = Path.of("../docs/configuration.md");

	static final String START = "<!-- properties: generated from the configuration metadata by ConfigurationDocsTests -->";

	static final String END = "<!-- end of properties -->";

	@Test
	void docsListEveryPropertyOfTheMetadata() throws IOException {
		String expected = table(JsonMapper.builder().build().readTree(Files.readString(METADATA)));
		String docs = Files.readString(DOCS, StandardCharsets.UTF_8);
		int start = docs.indexOf(START);
		int end = docs.indexOf(END);
		assertThat(start).as("%s has no '%s' marker", DOCS, START).isNotNegative();
		assertThat(end).as("%s has no '%s' marker", DOCS, END).isGreaterThan(start);
		String documented = docs.substring(start + START.length(), end);
		if (Boolean.getBoolean("configuration-docs.write")) {
			Files.writeString(DOCS, docs.substring(0, start + START.length()) + expected + docs.substring(end),
					StandardCharsets.UTF_8);
			return;
		}
		assertThat(documented)
			.as("docs/configuration.md differs from the configuration metadata; regenerate it with "
					+ "mvn -pl autoconfigure test -Dtest=ConfigurationDocsTests -Dconfiguration-docs.write=true")
			.isEqualTo(expected);
	}

	static String table(JsonNode metadata) {
		List<JsonNode> properties = new ArrayList<>();
		metadata.get("properties").forEach(properties::add);
		properties.sort(Comparator.comparing((property) -> property.get("name").asString()));
		StringBuilder table = new StringBuilder("\n\n| property | type | default | description |\n|---|---|---|---|\n");
		for (JsonNode property : properties) {
			table.append("| `")
				.append(property.get("name").asString())
				.append("` | ")
				.append(simpleType(text(property, "type")))
				.append(" | ")
				.append(defaultValue(property.get("defaultValue")))
				.append(" | ")
				.append(text(property, "description").replace("|", "\\|").replace("\n", " "))
				.append(" |\n");
		}
		return table.append('\n').toString();
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && !value.isNull()) ? value.asString() : "";
	}

	private static String simpleType(String type) {
		return type.isEmpty() ? "" : "`" + type.substring(type.lastIndexOf('.') + 1) + "`";
	}

	private static String defaultValue(JsonNode value) {
		if (value == null || value.isNull()) {
			return "";
		}
		return "`" + (value.isBoolean() ? String.valueOf(value.asBoolean()) : value.asString()) + "`";
	}

}
