package io.shiftq.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.shiftq.cli.Main;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.QuantizationConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The reporting service's page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}),
 * against the real services on a real broker: a job submitted through the form shows its progress advancing by
 * server-sent events while it runs, and every chart, the shift table and the downloads show the report's numbers
 * once it is done; a bad config shows its problem next to the field.
 */
class WebPageIT {

    private static final Path CHROMIUM = Path.of(System.getProperty("shiftq.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("shiftq.chromedriver", "/usr/bin/chromedriver"));

    private static PackagedServices services;
    private static WebDriver browser;

    @BeforeAll
    static void openBrowser() {
        for (Path binary : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(binary)) {
                fail(binary + " is missing: the page test drives Debian's Chromium; install it with "
                        + "`apt-get install chromium chromium-driver` (scripts/test.sh does)");
            }
        }
        services = RunningServices.get();
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--window-size=1400,2400");
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(driver, options);
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aBadConfigInTheFormShowsTheProblemNextToTheFieldAndPublishesNothing() throws Exception {
        String jobId = "web-bad-" + System.currentTimeMillis();
        browser.get(services.url("reporting") + "/");
        fill("f-job-id", jobId);
        fill("f-config", "model:\n  name: LeNet5\nquantization:\n  weight:\n    bitwidth: 40\n");
        browser.findElement(By.id("f-submit")).click();

        WebElement error = awaitElement(By.cssSelector("#err-config li"));
        assertThat(error.getAttribute("data-key")).isEqualTo("quantization.weight.bitwidth");
        assertThat(error.getText()).isEqualTo("quantization.weight.bitwidth: 40 is outside the allowed range 2..32");
        assertThat(browser.findElement(By.id("f-config")).getAttribute("class")).contains("invalid");
        assertThat(browser.findElements(By.cssSelector("#err-job_id li"))).isEmpty();

        // A bad job id is shown next to its own field.
        fill("f-job-id", "no spaces allowed");
        browser.findElement(By.id("f-submit")).click();
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() ->
                        !browser.findElements(By.cssSelector("#err-job_id li")).isEmpty());
        assertThat(browser.findElement(By.cssSelector("#err-job_id li")).getText())
                .startsWith("job_id: 'no spaces allowed' must match");
        assertThat(services.get("reporting", "/jobs/" + jobId).statusCode())
                .as("no request was published for the refused form")
                .isEqualTo(404);
    }

    @Test
    void aJobFromTheFormShowsLiveProgressThenChartsTableAndDownloadsWithItsNumbers() throws Exception {
        String jobId = "web-" + System.currentTimeMillis();
        browser.get(services.url("reporting") + "/");
        fill("f-job-id", jobId);
        fill("f-config", Files.readString(config()));
        browser.findElement(By.id("f-submit")).click();
        awaitElement(By.id("f-job-link")).click();

        // While it runs: progress arrives by server-sent events, with no reload and no polling.
        List<Double> seen = new ArrayList<>();
        Awaitility.await("progress advancing on the page")
                .atMost(Duration.ofMinutes(8))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    double total = totalPercent();
                    if (seen.isEmpty() || total != seen.get(seen.size() - 1)) {
                        seen.add(total);
                    }
                    return seen.size() >= 4 || "REPORTED".equals(state());
                });
        assertThat(seen.size())
                .as("progress changes seen before the report: " + seen)
                .isGreaterThanOrEqualTo(4);
        assertThat(seen).as("summed stage percentages seen while the job ran").isSorted();
        assertThat(seen.get(seen.size() - 1)).isGreaterThan(seen.get(0));

        Awaitility.await("the report on the page")
                .atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> "REPORTED".equals(state())
                        && !browser.findElements(By.cssSelector("#shifts tbody tr"))
                                .isEmpty());
        long sseMessages = ((Number) js("return shiftq.sseMessages")).longValue();
        assertThat(sseMessages).as("server-sent events received").isGreaterThan(seen.size());
        assertThat(js("return performance.getEntriesByType('resource').map(e => e.name)"
                        + ".filter(n => n.includes('/jobs/'))"))
                .as("the page fetched the progress history and the report once, and nothing else over and over")
                .asList()
                .hasSizeLessThanOrEqualTo(2);
        assertThat(((Number) js("return document.querySelectorAll('.stage.done').length")).intValue())
                .isEqualTo(4);

        JsonNode report = Json.mapper()
                .readTree(
                        services.get("reporting", "/jobs/" + jobId + "/report").body());
        JsonNode records = report.get("shift_records");
        chartsShowTheReport(report, records);
        tableShowsTheShiftRecords(records);
        downloadsServeTheArtifacts(jobId, report);
        cliShowsTheJob(jobId, records);

        Path shot = RunningServices.WORK.resolve("page.png");
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        String docs = System.getProperty("shiftq.screenshot.copy");
        if (docs != null && !docs.isBlank()) {
            Files.copy(shot, Path.of(docs), StandardCopyOption.REPLACE_EXISTING);
        }

        browser.get(services.url("reporting") + "/");
        WebElement row = awaitElement(By.cssSelector("tr[data-job='" + jobId + "']"));
        assertThat(row.getAttribute("data-state")).isEqualTo("REPORTED");
        // The report's "config" is the seed's quantization section; the model comes from the submitted config.
        JsonNode q = report.get("config");
        assertThat(row.getText())
                .contains(submitted().model().name())
                .contains("W" + q.get("weight").get("bitwidth")
                        + (q.get("weight").get("per_channel").asBoolean() ? " per-ch" : "") + " / B"
                        + q.get("bias").get("bitwidth") + " / I"
                        + q.get("input").get("bitwidth") + " / O"
                        + q.get("output").get("bitwidth"));
        assertThat(row.getText())
                .contains(String.format(
                        Locale.ROOT, "%.2f%%", report.get("final_accuracy").asDouble()));
    }

    /** The CLI's views of the same job: {@code jobs} from the reporting service, {@code report} as CSV and table. */
    private static void cliShowsTheJob(String jobId, JsonNode records) {
        String jobs = cli("--reporting", services.url("reporting"), "jobs", "--limit", "50");
        assertThat(jobs.lines().filter(l -> l.startsWith(jobId + " ")))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains("REPORTED")
                        .contains(submitted().model().name()));
        String csv = cli(
                "--bootstrap",
                services.bootstrap(),
                "report",
                jobId,
                "--format",
                "csv",
                "--artifacts",
                RunningServices.ARTIFACTS.toString());
        assertThat(csv.lines().toList()).hasSize(records.size() + 1);
        assertThat(csv.lines().skip(1).map(l -> l.substring(0, l.indexOf(','))).toList())
                .containsExactlyElementsOf(StreamSupport.stream(records.spliterator(), false)
                        .map(r -> r.get("layer").asText())
                        .toList());
        String table = cli(
                "--bootstrap",
                services.bootstrap(),
                "report",
                jobId,
                "--artifacts",
                RunningServices.ARTIFACTS.toString());
        assertThat(table)
                .contains("shift_cut")
                .contains(records.get(0).get("layer").asText());
    }

    private static String cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(code).as("shiftq " + String.join(" ", args)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private void chartsShowTheReport(JsonNode report, JsonNode records) throws Exception {
        List<Double> testAccuracy = new ArrayList<>();
        report.get("qat_epochs")
                .forEach(e -> testAccuracy.add(e.get("test_accuracy").asDouble()));
        assertThat(testAccuracy).hasSize(submitted().training().epochs());
        assertThat(numbers(chartData("chart-epochs", 2))).isEqualTo(testAccuracy);

        // Per-batch QAT points: each one a loss the job published on shiftq.progress.
        List<Double> batchLoss = numbers(chartData("chart-batches", 0));
        assertThat(batchLoss).isNotEmpty();
        List<Double> published = new ArrayList<>();
        try {
            Json.mapper()
                    .readTree(services.get(
                                    "reporting", "/jobs/" + report.get("job_id").asText() + "/progress")
                            .body())
                    .forEach(p -> {
                        if ("qat".equals(p.path("stage").asText()) && p.hasNonNull("loss")) {
                            published.add(p.get("loss").asDouble());
                        }
                    });
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(published).containsAll(batchLoss);

        List<Object> weightExp = new ArrayList<>();
        List<Object> shiftCut = new ArrayList<>();
        List<Object> sqnr = new ArrayList<>();
        for (JsonNode r : records) {
            weightExp.add(
                    r.hasNonNull("weight")
                            ? r.get("weight").get("shift").get("exponent").asLong()
                            : null);
            shiftCut.add(r.hasNonNull("shift_cut") ? r.get("shift_cut").asLong() : null);
            sqnr.add(r.hasNonNull("weight") ? r.get("weight").get("sqnr_db").asDouble() : null);
        }
        assertThat(longs(chartData("chart-exponents", 0))).isEqualTo(weightExp);
        assertThat(longs(chartData("chart-exponents", 3))).isEqualTo(shiftCut);
        assertThat(doubles(chartData("chart-sqnr", 0))).isEqualTo(sqnr);
        assertThat(js("return Chart.getChart('chart-exponents').data.labels"))
                .asList()
                .hasSize(records.size());
    }

    private void tableShowsTheShiftRecords(JsonNode records) throws Exception {
        List<WebElement> rows = browser.findElements(By.cssSelector("#shifts tbody tr"));
        assertThat(rows).hasSize(records.size());
        Map<String, String> cutByLayer = new TreeMap<>();
        int broken = 0;
        for (JsonNode r : records) {
            cutByLayer.put(
                    r.get("layer").asText(),
                    r.hasNonNull("shift_cut") ? r.get("shift_cut").asText() : "\u2013");
            broken += r.get("violations").isEmpty() ? 0 : 1;
        }
        Map<String, String> weightByLayer = new TreeMap<>();
        for (JsonNode r : records) {
            weightByLayer.put(r.get("layer").asText(), weightCell(r.get("weight")));
        }
        for (WebElement row : rows) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            assertThat(cells.get(6).getText())
                    .isEqualTo(cutByLayer.get(cells.get(0).getText()));
            assertThat(cells.get(2).getText())
                    .isEqualTo(weightByLayer.get(cells.get(0).getText()));
        }
        // Layers that break a hardware rule are highlighted, with the rule named (web.yaml asks for 15-bit outputs
        // from 4-bit weights, so some output exponent is finer than its accumulator).
        if (config().endsWith("web.yaml")) {
            assertThat(broken).as("layers of web.yaml's job that break a rule").isPositive();
        }
        List<WebElement> highlighted = browser.findElements(By.cssSelector("#shifts tr.violation"));
        assertThat(highlighted).hasSize(broken);
        for (WebElement row : highlighted) {
            assertThat(row.findElement(By.cssSelector("td.rule")).getText()).contains("shift_cut");
            assertThat(browser.findElement(By.cssSelector(
                                    "#violations li[data-layer='" + row.getAttribute("data-layer") + "']"))
                            .getText())
                    .contains("< 0");
        }

        // Sorting by shift_cut orders the rows by it, descending on a second click.
        WebElement header = browser.findElement(By.cssSelector("#shifts th[data-key='cut']"));
        header.click();
        List<Long> ascending = columnNumbers(6);
        assertThat(ascending).isSorted();
        header.click();
        List<Long> descending = columnNumbers(6);
        assertThat(descending).isSortedAccordingTo(Comparator.reverseOrder());
    }

    private void downloadsServeTheArtifacts(String jobId, JsonNode report) throws Exception {
        List<String> links = browser.findElements(By.cssSelector("#downloads a")).stream()
                .map(a -> a.getAttribute("href"))
                .toList();
        assertThat(links).anyMatch(h -> h.endsWith("/jobs/" + jobId + "/report"));
        List<String> names = new ArrayList<>();
        report.get("artifacts").fieldNames().forEachRemaining(names::add);
        assertThat(names).anyMatch(n -> n.startsWith("final_ptq."));
        for (String name : names) {
            String path = "/jobs/" + jobId + "/artifacts/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
            assertThat(links).anyMatch(h -> h.endsWith(path));
            HttpResponse<String> file = services.get("reporting", path);
            assertThat(file.statusCode()).as(name).isEqualTo(200);
        }
        // Only what the report lists is served: no path reaches outside the job's artifacts.
        assertThat(services.get("reporting", "/jobs/" + jobId + "/artifacts/..%2F..%2Fetc%2Fpasswd")
                        .statusCode())
                .isEqualTo(404);
    }

    private static QuantizationConfig submitted() {
        try {
            return QuantizationConfig.parseYaml(Files.readString(config()));
        } catch (IOException | URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The job's config: web.yaml, or a file named by -Dshiftq.web.config (e.g. a Fashion-MNIST job for docs/). */
    private static Path config() throws URISyntaxException {
        String file = System.getProperty("shiftq.web.config");
        return file == null || file.isBlank()
                ? Path.of(WebPageIT.class.getResource("/web.yaml").toURI())
                : Path.of(file);
    }

    /** A weight's exponent as the table shows it: one number, or the range of a per-channel weight's channels. */
    private static String weightCell(JsonNode weight) {
        if (weight == null || weight.isNull()) {
            return "\u2013";
        }
        JsonNode channels = weight.get("channel_exponents");
        if (channels == null || channels.isNull()) {
            return weight.get("shift").get("exponent").asText();
        }
        List<Integer> all = new ArrayList<>();
        channels.forEach(c -> all.add(c.asInt()));
        int lo = Collections.min(all);
        int hi = Collections.max(all);
        return lo == hi ? Integer.toString(lo) : lo + "\u2026" + hi + " per channel";
    }

    private List<Long> columnNumbers(int column) {
        return browser.findElements(By.cssSelector("#shifts tbody tr")).stream()
                .map(r -> r.findElements(By.tagName("td")).get(column).getText())
                .filter(t -> !t.equals("\u2013"))
                .map(Long::parseLong)
                .toList();
    }

    private Object chartData(String canvas, int dataset) {
        return js("return Chart.getChart('" + canvas + "').data.datasets[" + dataset + "].data");
    }

    private static List<Double> numbers(Object list) {
        return ((List<?>) list).stream().map(n -> ((Number) n).doubleValue()).toList();
    }

    private static List<Object> longs(Object list) {
        return ((List<?>) list)
                .stream()
                        .map(n -> n == null ? null : (Object) ((Number) n).longValue())
                        .toList();
    }

    private static List<Object> doubles(Object list) {
        return ((List<?>) list)
                .stream()
                        .map(n -> n == null ? null : (Object) ((Number) n).doubleValue())
                        .toList();
    }

    private double totalPercent() {
        return ((Number) js("return [...document.querySelectorAll('.stage')]"
                        + ".reduce((s, e) => s + parseFloat(e.dataset.percent), 0)"))
                .doubleValue();
    }

    private String state() {
        return (String) js("return document.body.dataset.state || ''");
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private void fill(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        // sendKeys types character by character; setting the value is exact for a multi-line config.
        ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1]", field, text);
    }

    private WebElement awaitElement(By by) {
        Awaitility.await(by.toString())
                .atMost(Duration.ofSeconds(30))
                .until(() -> !browser.findElements(by).isEmpty());
        return browser.findElement(by);
    }
}
