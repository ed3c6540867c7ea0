package dev.shardpubsub.autoconfigure;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.io.ClassPathResource;
import org.springframework.util.StreamUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the configuration metadata generated at build time (IDE completion and documentation of
 * {@code shard-pubsub.*}) describes every property of {@link ShardPubSubProperties}.
 */
class ConfigurationMetadataTests {

	@Test
	void metadataListsEveryShardPubSubPropertyWithADescription() throws IOException {
		List<Map<String, Object>> properties = JsonPath.read(metadata(), "$.properties[*]");
		List<String> names = properties.stream().map((property) -> (String) property.get("name")).toList();
		List<String> expected = new ArrayList<>();
		String prefix = AnnotationUtils.findAnnotation(ShardPubSubProperties.class, ConfigurationProperties.class)
			.prefix();
		collect(prefix, ShardPubSubProperties.class, expected);
		assertThat(expected).contains("shard-pubsub.enabled", "shard-pubsub.listener.queue-capacity");
		assertThat(names.stream().filter((name) -> name.startsWith(prefix + "."))).containsExactlyInAnyOrderElementsOf(
				expected);
		assertThat(properties).filteredOn((property) -> ((String) property.get("name")).startsWith(prefix + "."))
			.allSatisfy((property) -> assertThat((String) property.get("description")).as((String) property.get("name"))
				.isNotBlank());
	}

	private static void collect(String prefix, Class<?> type, List<String> names) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getReadMethod() == null || descriptor.getName().equals("class")) {
				continue;
			}
			String name = prefix + "." + kebab(descriptor.getName());
			Class<?> propertyType = descriptor.getPropertyType();
			if (propertyType.getEnclosingClass() == ShardPubSubProperties.class
					&& Modifier.isStatic(propertyType.getModifiers()) && !propertyType.isEnum()) {
				collect(name, propertyType, names);
			}
			else if (descriptor.getWriteMethod() != null) {
				names.add(name);
			}
		}
	}

	private static String kebab(String name) {
		return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
	}

	private static String metadata() throws IOException {
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json",
				ShardPubSubProperties.class.getClassLoader())
			.getInputStream()) {
			return StreamUtils.copyToString(in, StandardCharsets.UTF_8);
		}
	}

}
