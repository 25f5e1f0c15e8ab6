package com.example.scoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
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
 *       {"StatusCode": "Finished", "Results": {"output1": ...}, "Details": null}, as one line of JSON.</li>
 * </ol>
 * A job that ends Failed or Cancelled is reported as "error: job &lt;id&gt; &lt;status&gt;: &lt;Details&gt;".
 *
 * <p>Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
 * of each request are retried up to 3 times, after the Retry-After the service
 * asks for (at most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400, 401
 * or a TLS certificate that fails verification, are not.
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
        String key = System.getenv("SCORING_KEY");
        if (key != null && !key.isEmpty()) {
            try {
                request.header("Authorization", "Bearer " + key);
            } catch (IllegalArgumentException e) {
                return fail(2, "SCORING_KEY has characters that cannot be sent in an HTTP header");
            }
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
            HttpResponse<String> submitted = send(request.copy()
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(input))
                    .build(), deadline);
            JsonNode id = json(submitted);
            if (!id.isTextual() || id.asText().isEmpty()) {
                return fail(1, "unexpected response from " + uri + ": expected the job id, a JSON string");
            }
            job = id.asText();

            // 2. Start it.
            send(request.copy().uri(jobUri(jobs, job, "/start")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    deadline);

            // 3. Poll its status until it ends.
            HttpRequest check = request.copy().uri(jobUri(jobs, job, "")).GET().build();
            while (true) {
                JsonNode status = json(send(check, deadline));
                String code = status.path("StatusCode").asText("");
                switch (code) {
                    case "Finished" -> {
                        System.out.println(MAPPER.writeValueAsString(status)); // as received, on one line
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
            return fail(1, job == null ? "no response from " + uri + " within " + timeout + " s"
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
    private static JsonNode json(HttpResponse<String> response) throws ServiceException {
        try {
            return MAPPER.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new ServiceException("unexpected response from " + response.uri() + ": " + e.getOriginalMessage());
        }
    }

    /** Sends the request until a 2xx answer, retrying transient failures, all before {@code deadline} (nanoTime). */
    static HttpResponse<String> send(HttpRequest request, long deadline)
            throws IOException, InterruptedException, TimeoutException, ServiceException {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = null;
            Exception failure;
            // Waiting on the future bounds the whole exchange (HttpRequest.timeout() stops at the headers).
            CompletableFuture<HttpResponse<String>> call =
                    CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            try {
                response = call.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                int status = response.statusCode();
                if (status >= 200 && status <= 299) {
                    return response;
                } else if (!RETRY_STATUS.contains(status)) {
                    throw new ServiceException(httpError(response));
                }
                failure = new ServiceException(httpError(response));
            } catch (ExecutionException e) { // refused, reset: worth another try
                failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } finally {
                call.cancel(true);
            }
            long wait = retryDelayNanos(attempt, response);
            // A certificate that fails verification fails the same way every time: not worth a retry.
            if (attempt == ATTEMPTS || handshakeFailed(failure) || System.nanoTime() + wait >= deadline) {
                if (failure instanceof IOException io) {
                    throw io;
                }
                throw (ServiceException) failure;
            }
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** The Retry-After the service asked for (at most 10 s), else 0.5, 1, then 2 s. */
    private static long retryDelayNanos(int attempt, HttpResponse<String> response) {
        if (response != null) {
            try {
                double seconds = Double.parseDouble(response.headers().firstValue("Retry-After").orElse(""));
                if (seconds >= 0) {
                    return (long) (Math.min(seconds, 10) * 1e9);
                }
            } catch (NumberFormatException e) {
                // absent, or an HTTP date: back off instead
            }
        }
        return TimeUnit.MILLISECONDS.toNanos(500L << (attempt - 1));
    }

    /** "HTTP 401 Unauthorized: error.message" for a response that is not a success. */
    private static String httpError(HttpResponse<String> response) {
        int status = response.statusCode();
        String detail = detail(response.body());
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

    /** Whether the failure is a failed TLS handshake, such as a certificate that is not trusted. */
    private static boolean handshakeFailed(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException) {
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
