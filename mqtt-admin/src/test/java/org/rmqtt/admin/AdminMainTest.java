package org.rmqtt.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against the JDK's HTTP server standing in for the admin API: what it asks, how it
 * prints, and that every failure is one line on stderr with a non-zero exit code.
 */
class AdminMainTest {
    private HttpServer server;
    private String url;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        String what = exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        requests.add(what);
        authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String path = exchange.getRequestURI().getRawPath();
        int status = 200;
        String body;
        if (path.equals("/api/v1/clients")) {
            body = """
                    {"clients":[
                      {"clientId":"dev-1","gateway":"gw-a","remoteAddress":"10.0.0.7:51234","connectedAt":"2026-01-02T03:04:05Z",
                       "cleanSession":true,"keepAliveSeconds":60,"inflight":0,"subscriptions":2},
                      {"clientId":"device-long-name-2","gateway":"gw-b","remoteAddress":"10.0.0.8:40000",
                       "connectedAt":"2026-01-02T03:04:06Z","cleanSession":false,"keepAliveSeconds":30,"inflight":3,"subscriptions":1}],
                     "unreachable":[{"gateway":"gw-c","error":"no answer in time"}]}""";
        } else if (path.startsWith("/api/v1/clients/")) {
            status = 404;
            body = "{\"error\":\"client nobody is not connected to any gateway\"}";
        } else if (path.equals("/api/v1/publish")) {
            body = "{\"topic\":\"a/b\",\"qos\":1,\"retain\":true,\"size\":3,\"published\":true}";
        } else if (path.equals("/api/v1/cluster")) {
            status = 401;
            body = "{\"error\":\"missing or wrong token: send Authorization: Bearer <token>\"}";
        } else if (path.equals("/api/v1/topics")) {
            status = 200;
            body = "<html>not json</html>";
        } else {
            status = 404;
            body = "{\"error\":\"no route " + path + "\"}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = AdminMain.commandLine(new PrintWriter(out), new PrintWriter(err), env).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run run(String... args) {
        return run(Map.of(AdminMain.URL_ENV, url), args);
    }

    @Test
    void clientsAreAnAlignedTableAndAPartialAnswerIsWarnedAbout() {
        Run r = run("clients", "list", "--prefix", "dev ice", "--gateway", "gw-a", "--limit", "5");
        assertThat(r.exit()).isZero();
        assertThat(requests).containsExactly("GET /api/v1/clients?prefix=dev+ice&limit=5&gateway=gw-a");
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("CLIENT ID           GATEWAY  REMOTE ADDRESS");
        assertThat(lines.get(1)).startsWith("dev-1               gw-a     10.0.0.7:51234").contains("clean", "60s");
        assertThat(lines.get(2)).startsWith("device-long-name-2  gw-b").contains("persistent", "30s");
        // Every column starts at the same place on every line.
        int gateway = lines.get(0).indexOf("GATEWAY");
        assertThat(lines).allMatch(l -> l.charAt(gateway - 1) == ' ' && l.charAt(gateway) != ' ');
        assertThat(r.err().strip()).isEqualTo("mqttadmin: warning: gateway gw-c did not answer: no answer in time"
                + " (its clients are missing above)");
    }

    @Test
    void jsonPrintsTheApisAnswer() {
        Run r = run("--json", "clients", "list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\"clientId\" : \"dev-1\"", "\"unreachable\"");
    }

    @Test
    void anUnknownClientIsOneLineOnStderrAndExitCodeOne() {
        Run r = run("clients", "show", "no body/+x");
        assertThat(requests).containsExactly("GET /api/v1/clients/no%20body%2F%2Bx");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().toList()).containsExactly("mqttadmin: not found: client nobody is not connected to any gateway");
    }

    @Test
    void aBadFlagIsOneLineAndExitCodeTwo() {
        Run r = run("clients", "list", "--bogus");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines().toList()).containsExactly(
                "mqttadmin: Unknown option: '--bogus' (see: mqttadmin clients list --help)");
        assertThat(run("publish", "-t", "a", "-q", "x").exit()).isEqualTo(2);
        assertThat(run("subscriptions", "list").exit()).isEqualTo(2);
        assertThat(run("--timeout", "soon", "cluster").exit()).isEqualTo(2);
        assertThat(requests).isEmpty();
    }

    @Test
    void aWrongAddressIsOneLineAndExitCodeOne() {
        Run refused = run(Map.of(), "--url", "http://127.0.0.1:1", "cluster");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().lines().toList()).singleElement().asString()
                .startsWith("mqttadmin: cannot reach the admin API at http://127.0.0.1:1: connection refused");
        Run notUrl = run(Map.of(), "--url", "127.0.0.1:8088", "cluster");
        assertThat(notUrl.exit()).isEqualTo(1);
        assertThat(notUrl.err()).startsWith("mqttadmin: --url: must be http://host:port");
        Run notApi = run("topics");
        assertThat(notApi.exit()).isEqualTo(1);
        assertThat(notApi.err()).contains("not JSON");
    }

    @Test
    void theTokenIsSentAndARefusalSaysHowToGiveIt(@TempDir Path dir) throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "t0ken\n");
        Run r = run("cluster", "--token-file", token.toString());
        assertThat(authorizations).containsExactly("Bearer t0ken");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo(
                "mqttadmin: not authorized (401): missing or wrong token: send Authorization: Bearer <token> (give --token-file)");
        Run missing = run("cluster", "--token-file", dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).startsWith("mqttadmin: --token-file: cannot read");
    }

    @Test
    void publishSendsTextOrAFilesBytes(@TempDir Path dir) throws IOException {
        Run text = run("publish", "-t", "a/b", "-m", "hé", "-q", "1", "-r");
        assertThat(text.exit()).isZero();
        assertThat(text.out().strip()).isEqualTo("published 3 bytes to a/b (QoS 1, retained)");
        assertThat(bodies.get(0)).isEqualTo("{\"topic\":\"a/b\",\"payload\":\"hé\",\"qos\":1,\"retain\":true}");
        Path file = dir.resolve("payload.bin");
        Files.write(file, new byte[] {0, 1, (byte) 0xFF});
        assertThat(run("publish", "--topic", "a/b", "--file", file.toString()).exit()).isZero();
        assertThat(bodies.get(1)).isEqualTo("{\"topic\":\"a/b\",\"payloadBase64\":\"AAH/\",\"qos\":0,\"retain\":false}");
        assertThat(run("publish", "-t", "a", "-m", "x", "--file", file.toString()).exit()).isEqualTo(2);
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] command : List.of(new String[] {"--help"}, new String[] {"cluster", "--help"},
                new String[] {"clients", "kick", "--help"}, new String[] {"sessions", "delete", "--help"},
                new String[] {"subscriptions", "list", "--help"}, new String[] {"retained", "get", "--help"},
                new String[] {"publish", "--help"}, new String[] {"topics", "--help"}, new String[] {"passwd", "--help"})) {
            Run r = run(command);
            assertThat(r.exit()).as(String.join(" ", command)).isZero();
            assertThat(r.out()).startsWith("Usage: mqttadmin");
        }
        assertThat(requests).isEmpty();
    }
}
