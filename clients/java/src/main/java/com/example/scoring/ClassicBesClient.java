package com.example.scoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Runs a job on an Azure ML Studio (classic) Batch Execution service and prints its final status.
 *
 * <p>Environment variables:
 * <pre>
 *   SCORING_URI      (required) the jobs URI from the service's API help page, for example
 *                    https://ussouthcentral.services.azureml.net/workspaces/&lt;ws&gt;/services/&lt;id&gt;/jobs?api-version=2.0
 *   SCORING_KEY      (optional) the service's API key; sent as "Authorization: Bearer &lt;key&gt;"
 *   SCORING_POLL_INTERVAL (optional) seconds between status checks, default 1
 *   SCORING_TIMEOUT  (optional) seconds the whole job may take, submitting, retries
 *                    and polling included, default 300
 * </pre>
 * <ol>
 *   <li>Submits the job: {@code POST <jobs URI>} with {@code Content-Type: application/json}
 *       and two rows of the diabetes example data as the input table "input1"
 *       ({"Inputs": {"input1": {"ColumnNames": [...], "Values": [...]}}, "GlobalParameters": {}});
 *       the answer is the job id, a JSON string.</li>
 *   <li>Starts it: {@code POST <jobs URI path>/<id>/start?api-version=2.0}, no body.</li>
 *   <li>Polls {@code GET <jobs URI path>/<id>?api-version=2.0} until its StatusCode is
 *       Finished (it passes NotStarted and Running), then prints that status,
 *       {"StatusCode": "Finished", "Results": {"output1": ...}, "Details": null}, as the service wrote it
 *       without the whitespace between its tokens.</li>
 * </ol>
 * A job that ends Failed or Cancelled is reported as "error: job &lt;id&gt; &lt;status&gt;: &lt;Details&gt;".
 *
 * <p>Transient failures of the status checks and the start (HTTP 429, 502, 503, 504, a reset or refused
 * connection) are retried up to 3 times, after the Retry-After the service asks for (seconds or an HTTP date,
 * at most 10 s) or else 0.5, 1, then 2 s, all within SCORING_TIMEOUT; a 409 Conflict to a retried start means
 * the first one got through. The submit creates a job, so it is retried only where the service cannot have
 * acted on it (429, 503, a refused connection); after a reset, 502, 504 or timeout the job may exist, and the
 * failure is reported instead. Other errors, such as 400, 401 or a TLS certificate that fails verification,
 * are not retried.
 *
 * Exit status: 0 the job finished, 1 the job or a call failed, 2 bad configuration.
 */
public final class ClassicBesClient {
    /** The columns of the diabetes example data. */
    private static final List<String> COLUMNS = List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6");

    /** Two rows of ten features each, so the job scores two rows. */
    private static final double[][] ROWS = {
        {0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
         -0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807},
        {-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
         0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303},
    };

    /** The body the service expects: input tables by name, and the web service parameters (none here). */
    record ExecuteRequest(Map<String, Table> inputs, Map<String, String> globalParameters) {}

    /** A table: its column names and rows. */
    record Table(List<String> columnNames, double[][] values) {}

    /** Writes the records' fields as the service spells them: Inputs, GlobalParameters, ColumnNames, Values. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    // HTTP/1.1 avoids the h2c upgrade headers some servers reject. Redirects are not followed.
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** java.net.http does not expose the reason phrase the server sent, so name the common ones. */
    private static final Map<Integer, String> REASONS = Map.of(400, "Bad Request", 401, "Unauthorized",
            403, "Forbidden", 404, "Not Found", 408, "Request Timeout", 429, "Too Many Requests",
            500, "Internal Server Error", 502, "Bad Gateway", 503, "Service Unavailable", 504, "Gateway Timeout");

    /** What a failed submit says when the service may have created the job all the same. */
    private static final String MAYBE_CREATED = " (the job may have been created: not submitted again)";

    /** One call and up to three retries. */
    private static final int ATTEMPTS = 4;

    /** The answers of a service that is busy or restarting. */
    private static final Set<Integer> RETRY_STATUS = Set.of(429, 502, 503, 504);

    /** A call that got an answer, but not a good one; the message is one line for the user. */
    static final class ServiceException extends Exception {
        private static final long serialVersionUID = 1L;

        ServiceException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        System.exit(run());
    }

    static int run() throws IOException, InterruptedException {
        String uri = System.getenv("SCORING_URI");
        if (uri == null || uri.isEmpty()) {
            return fail(2, "set SCORING_URI to the jobs URI of your web service");
        }
        URI jobs;
        HttpRequest.Builder request; // what every request has in common
        try {
            jobs = URI.create(uri);
            request = HttpRequest.newBuilder(jobs); // accepts only http(s) URIs with a host
        } catch (IllegalArgumentException e) {
            return fail(2, "SCORING_URI must be an http:// or https:// URL, not \"" + uri + "\"");
        }
        String key = System.getenv().getOrDefault("SCORING_KEY", "");
        if (!key.isEmpty()) {
            if (!key.matches("[\\x21-\\x7E]+")) { // a line break would end the header and start another
                return fail(2, "SCORING_KEY must be visible ASCII (no spaces or line breaks)");
            }
            request.header("Authorization", "Bearer " + key);
        }
        String timeout = System.getenv().getOrDefault("SCORING_TIMEOUT", "");
        timeout = timeout.isEmpty() ? "300" : timeout;
        double seconds = seconds(timeout);
        if (!(seconds > 0 && seconds <= 86400)) { // also rejects NaN
            return fail(2, "SCORING_TIMEOUT must be 0 < seconds <= 86400, not \"" + timeout + "\"");
        }
        String poll = System.getenv().getOrDefault("SCORING_POLL_INTERVAL", "");
        poll = poll.isEmpty() ? "1" : poll;
        double pollSeconds = seconds(poll);
        if (!(pollSeconds > 0 && pollSeconds <= 3600)) {
            return fail(2, "SCORING_POLL_INTERVAL must be 0 < seconds <= 3600, not \"" + poll + "\"");
        }
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long interval = (long) (pollSeconds * 1e9);

        var body = new ExecuteRequest(Map.of("input1", new Table(COLUMNS, ROWS)), Map.of());
        String input = MAPPER.writeValueAsString(body);

        String job = null;
        try {
            // 1. Submit the job with its input table; the answer is its id.
            HttpResponse<byte[]> submitted = send(request.copy()
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(input))
                    .build(), deadline, false);
            JsonNode id = json(submitted);
            if (!id.isTextual() || id.asText().isEmpty()) {
                return fail(1, "unexpected response from " + uri + ": expected the job id, a JSON string");
            }
            job = id.asText();

            // 2. Start it.
            send(request.copy().uri(jobUri(jobs, job, "/start")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    deadline, true);

            // 3. Poll its status until it ends.
            HttpRequest check = request.copy().uri(jobUri(jobs, job, "")).GET().build();
            while (true) {
                HttpResponse<byte[]> answer = send(check, deadline, true);
                JsonNode status = json(answer);
                String code = status.path("StatusCode").asText("");
                switch (code) {
                    case "Finished" -> {
                        System.out.writeBytes(compact(answer.body())); // the status as the service wrote it
                        System.out.flush();
                        return 0;
                    }
                    case "Failed", "Cancelled" -> {
                        JsonNode details = status.path("Details");
                        String why = details.isTextual() ? details.asText() : details.toString();
                        return fail(1, "job " + job + " " + code + ": " + why.strip().replaceAll("\\s+", " "));
                    }
                    case "NotStarted", "Running" -> {
                        if (System.nanoTime() + interval >= deadline) {
                            throw new TimeoutException();
                        }
                        TimeUnit.NANOSECONDS.sleep(interval);
                    }
                    default -> {
                        String what = code.isEmpty() ? "no StatusCode" : "unknown StatusCode \"" + code + "\"";
                        return fail(1, "unexpected response from " + check.uri() + ": " + what);
                    }
                }
            }
        } catch (TimeoutException e) {
            return fail(1, job == null ? "no response from " + uri + " within " + timeout + " s" + MAYBE_CREATED
                    : "job " + job + " did not finish within " + timeout + " s");
        } catch (IOException e) {
            return fail(1, "cannot reach " + uri + ": " + reason(e));
        } catch (ServiceException e) {
            return fail(1, e.getMessage());
        }
    }

    /** A number of seconds, or 0 if the text is not a number. */
    private static double seconds(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The job's own URL, {@code <jobs path>/<id><suffix>?<jobs query>}, with the id escaped as one path segment. */
    static URI jobUri(URI jobs, String id, String suffix) {
        String path = jobs.getRawPath().replaceAll("/+$", "");
        String segment = URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        String query = jobs.getRawQuery() == null ? "" : "?" + jobs.getRawQuery();
        return URI.create(jobs.getScheme() + "://" + jobs.getRawAuthority() + path + "/" + segment + suffix + query);
    }

    /** A successful response's body as JSON. */
    private static JsonNode json(HttpResponse<byte[]> response) throws ServiceException {
        try {
            return MAPPER.readTree(new String(response.body(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new ServiceException("unexpected response from " + response.uri() + ": " + e.getOriginalMessage());
        }
    }

    /**
     * Sends the request until a 2xx answer, all before {@code deadline} (nanoTime). A request safe to repeat is
     * retried on 429, 502, 503, 504 and a failed connection; the submit, which creates a job ({@code safe} false),
     * only where the service cannot have acted on it: 429, 503 and a refused connection (nothing was sent).
     */
    static HttpResponse<byte[]> send(HttpRequest request, long deadline, boolean safe)
            throws IOException, InterruptedException, TimeoutException, ServiceException {
        boolean lost = false; // the previous attempt's answer was lost: the service may have acted on it
        for (int attempt = 1; ; attempt++) {
            HttpResponse<byte[]> response = null;
            Exception failure;
            boolean again; // worth another try
            boolean acted; // the service may have acted on the request
            // Waiting on the future bounds the whole exchange (HttpRequest.timeout() stops at the headers).
            CompletableFuture<HttpResponse<byte[]>> call =
                    CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
            try {
                response = call.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                int status = response.statusCode();
                // A 409 Conflict after a lost answer: that attempt got through (the job was started).
                if (status >= 200 && status <= 299 || status == 409 && lost) {
                    return response;
                }
                failure = new ServiceException(httpError(response));
                again = safe ? RETRY_STATUS.contains(status) : status == 429 || status == 503;
                acted = status == 502 || status == 504; // a gateway's answer: the service may have had the request
            } catch (ExecutionException e) {
                failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                // Refused: nothing was sent. A certificate that fails verification fails the same way every time.
                boolean refused = causedBy(failure, ConnectException.class);
                boolean untrusted = causedBy(failure, SSLHandshakeException.class);
                again = safe ? !untrusted : refused;
                acted = !refused && !untrusted; // reset or closed once the request was sent
            } finally {
                call.cancel(true);
            }
            lost = response == null;
            long wait = retryDelayNanos(attempt, response);
            if (!safe && !again && acted) {
                String what = lost ? "cannot reach " + request.uri() + ": " + reason(failure) : failure.getMessage();
                throw new ServiceException(what + MAYBE_CREATED);
            } else if (!again || attempt == ATTEMPTS || System.nanoTime() + wait >= deadline) {
                if (failure instanceof IOException io) {
                    throw io;
                }
                throw (ServiceException) failure;
            }
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** The Retry-After the service asked for (seconds, or an HTTP date), else 0.5, 1, then 2 s; 0 to 10 s. */
    private static long retryDelayNanos(int attempt, HttpResponse<?> response) {
        double seconds = 0.5 * (1 << (attempt - 1));
        String value = response == null ? "" : response.headers().firstValue("Retry-After").orElse("");
        try {
            if (value.matches("[0-9]+")) {
                seconds = Double.parseDouble(value);
            } else if (!value.isEmpty()) { // e.g. "Wed, 21 Oct 2026 07:28:00 GMT"
                Instant when = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                seconds = Duration.between(Instant.now(), when).toMillis() / 1e3;
            }
        } catch (DateTimeParseException e) {
            // neither ("nan", "-3", "1.5"): back off instead
        }
        return (long) (Math.clamp(seconds, 0, 10) * 1e9);
    }

    /**
     * The JSON text without the whitespace between its tokens, and a line break: every token stays as the
     * service wrote it (217 stays 217, 1e23 stays 1e23, escapes in strings stay escapes). The text was parsed
     * before, so only where strings start and end needs tracking.
     */
    static byte[] compact(byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 1);
        boolean inString = false;
        boolean escaped = false; // the previous byte in a string was a backslash that escapes this one
        for (byte b : json) {
            if (inString) {
                inString = escaped || b != '"';
                escaped = !escaped && b == '\\';
            } else if (b == '"') {
                inString = true;
            } else if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                continue; // whitespace between tokens (UTF-8 uses these bytes for nothing else)
            }
            out.write(b);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** "HTTP 401 Unauthorized: error.message" for a response that is not a success. */
    private static String httpError(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String detail = detail(new String(response.body(), StandardCharsets.UTF_8));
        return ("HTTP " + status + " " + REASONS.getOrDefault(status, "")).strip()
                + (detail.isEmpty() ? "" : ": " + detail);
    }

    /** The "error.message" of a classic error body, else the body text, on one line and cut to 200 characters. */
    private static String detail(String body) {
        String text = body;
        try {
            // {"error": {"code": "Unauthorized", "message": "..."}}
            JsonNode message = MAPPER.readTree(body).path("error").path("message");
            if (message.isTextual() && !message.asText().isBlank()) {
                text = message.asText();
            }
        } catch (JsonProcessingException e) {
            // not JSON: use the body text
        }
        text = text.strip().replaceAll("\\s+", " ");
        return text.length() > 200 ? text.substring(0, 200) : text;
    }

    /** A short reason for a failed connection; Java 17 often gives no message. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException) {
                return "unknown host";
            } else if (t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return "connection failed";
    }

    /** Whether {@code type} is in the exception's chain of causes. */
    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static int fail(int status, String message) {
        System.err.println("error: " + message.strip().replaceAll("\\s*\\R\\s*", " ")); // always one line
        return status;
    }
}
