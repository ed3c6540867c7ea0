package dev.shardpubsub.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * A PNG of the deaf time per kind of event, ours beside node-redis's (first event and steady median), one panel
 * per server, on a logarithmic scale; drawn headless with {@code java.awt} from the suite's {@code .tsv} files.
 */
final class DeafnessChart {

	private static final int WIDTH = 1100;

	private static final int PANEL = 250;

	private static final int LEFT = 70;

	private static final double LOW = 0.1;

	private static final double HIGH = 10_000;

	private static final Color[] COLORS = { new Color(0x9ecae1), new Color(0x2171b5), new Color(0xfdae6b),
			new Color(0xd94801) };

	private static final String[] SERIES = { "ours, first (median of rounds)", "ours, steady median",
			"node-redis 6.3.1, first", "node-redis 6.3.1, steady" };

	private DeafnessChart() {
	}

	/**
	 * Draw the chart of some suite runs.
	 * @param png the image to write
	 * @param tsvFiles the runs' {@code .tsv} files
	 * @throws IOException if a file cannot be read or written
	 */
	static void write(Path png, List<Path> tsvFiles) throws IOException {
		List<Panel> panels = new ArrayList<>();
		for (Path file : tsvFiles) {
			panels.add(Panel.read(file));
		}
		int height = 60 + panels.size() * PANEL;
		BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = image.createGraphics();
		g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
		g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
		g.setColor(Color.WHITE);
		g.fillRect(0, 0, WIDTH, height);
		g.setColor(Color.BLACK);
		g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
		g.drawString("Deaf ms per event (lost messages / rate; log scale): the starter vs node-redis 6.3.1, same run",
				LEFT, 22);
		g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
		for (int i = 0; i < SERIES.length; i++) {
			int x = LEFT + i * 250;
			g.setColor(COLORS[i]);
			g.fillRect(x, 34, 14, 12);
			g.setColor(Color.BLACK);
			g.drawString(SERIES[i], x + 18, 45);
		}
		for (int p = 0; p < panels.size(); p++) {
			drawPanel(g, panels.get(p), 60 + p * PANEL);
		}
		g.dispose();
		ImageIO.write(image, "png", png.toFile());
	}

	private static void drawPanel(Graphics2D g, Panel panel, int top) {
		int plotTop = top + 25;
		int plotBottom = top + PANEL - 40;
		g.setColor(Color.BLACK);
		g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
		g.drawString(panel.server, LEFT, top + 15);
		g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
		for (double tick = LOW; tick <= HIGH; tick *= 10) {
			int y = y(tick, plotTop, plotBottom);
			g.setColor(new Color(0xdddddd));
			g.drawLine(LEFT, y, WIDTH - 20, y);
			g.setColor(Color.DARK_GRAY);
			g.drawString(label(tick), 10, y + 4);
		}
		g.setColor(Color.BLACK);
		g.setStroke(new BasicStroke(1));
		g.drawLine(LEFT, plotBottom, WIDTH - 20, plotBottom);
		int groups = Math.max(panel.rows.size(), 1);
		int groupWidth = (WIDTH - LEFT - 20) / groups;
		int bar = Math.min(40, (groupWidth - 30) / 4);
		for (int k = 0; k < panel.rows.size(); k++) {
			double[] values = panel.rows.get(k).values;
			int groupLeft = LEFT + k * groupWidth + (groupWidth - 4 * bar) / 2;
			for (int s = 0; s < 4; s++) {
				int x = groupLeft + s * bar;
				double value = values[s];
				if (Double.isNaN(value)) {
					continue;
				}
				int y = y(Math.max(value, LOW), plotTop, plotBottom);
				g.setColor(COLORS[s]);
				g.fillRect(x + 2, y, bar - 4, plotBottom - y);
				g.setColor(Color.BLACK);
				String text = String.format(Locale.ROOT, (value < 10) ? "%.1f" : "%.0f", value);
				g.drawString(text, x + 2, y - 3);
			}
			g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
			g.drawString(panel.rows.get(k).kind, LEFT + k * groupWidth + 10, plotBottom + 16);
			g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
		}
	}

	private static int y(double value, int top, int bottom) {
		double fraction = (Math.log10(value) - Math.log10(LOW)) / (Math.log10(HIGH) - Math.log10(LOW));
		return bottom - (int) Math.round(Math.min(Math.max(fraction, 0), 1) * (bottom - top));
	}

	private static String label(double tick) {
		return (tick < 1) ? String.format(Locale.ROOT, "%.1f ms", tick) : String.format(Locale.ROOT, "%,.0f ms", tick);
	}

	private record Row(String kind, double[] values) {

	}

	private record Panel(String server, List<Row> rows) {

		static Panel read(Path file) throws IOException {
			String server = file.getFileName().toString();
			List<Row> rows = new ArrayList<>();
			for (String line : Files.readAllLines(file)) {
				String[] fields = line.split("\t");
				if (fields[0].equals("server")) {
					server = fields[1] + ((fields.length > 2) ? "  (" + fields[2] + ")" : "");
				}
				else if (fields[0].equals("deaf")) {
					rows.add(new Row(fields[1], new double[] { number(fields[2]), number(fields[4]), number(fields[3]),
							number(fields[5]) }));
				}
			}
			return new Panel(server, rows);
		}

		private static double number(String text) {
			return text.equals("-") ? Double.NaN : Double.parseDouble(text);
		}

	}

}
