package com.example.scoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLConnection;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.channels.UnresolvedAddressException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Calls a model deployed as a web service and prints its predictions.
 *
 * <p>Environment variables:
 * <pre>
 *   SCORING_URI      (required) scoring URI of the web service, for example
 *                    http://127.0.0.1:5001/api/v1/service/myservice/score
 *   SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer &lt;key&gt;"
 *   SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
 *                    included, default 30
 *   SCORING_DEPLOYMENT (optional) the deployment of an Azure ML online endpoint
 *                    to call, whatever its traffic split; sent as
 *                    "azureml-model-deployment: &lt;name&gt;"
 *   SCORING_INPUT_FILE (optional) a file (an image, say) to send as raw bytes with
 *                    "Content-Type: application/octet-stream" instead of the rows,
 *                    to a service that reads the raw request; its JSON answer is
 *                    printed as it is
 *   SCORING_INPUT_FIELD (optional) with SCORING_INPUT_FILE: upload the file as
 *                    multipart/form-data in this form field instead (ModelArts:
 *                    "images"), its type guessed from the file name
 * </pre>
 * Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
 * are retried up to 3 times, after the Retry-After the service asks for (at
 * most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400, 401
 * or a TLS certificate that fails verification, are not.
 *
 * Exit status: 0 success, 1 the call failed, 2 bad configuration.
 */
public final class ScoringClient {
    /** Two rows of ten features each, so the service returns two predictions. */
    private static final double[][] ROWS = {
        {0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
         -0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807},
        {-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
         0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303},
    };

    /** The body the service expects: one row of features per prediction. */
    record ScoringRequest(double[][] data) {}

    /** Strict JSON: no "1" read as 1.0, no null read as 0.0, nothing after the value. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
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

    /** A call that got an answer, but not predictions; the message is one line for the user. */
    static final class ScoringException extends Exception {
        private static final long serialVersionUID = 1L;

        ScoringException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        System.exit(run());
    }

    static int run() throws IOException, InterruptedException {
        String uri = System.getenv("SCORING_URI");
        if (uri == null || uri.isEmpty()) {
            return fail(2, "set SCORING_URI to the scoring URI of your web service");
        }
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(uri)); // accepts only http(s) URIs with a host
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
        String deployment = System.getenv().getOrDefault("SCORING_DEPLOYMENT", "");
        if (!deployment.isEmpty()) { // an online endpoint sends the call to this deployment, whatever its split
            if (!deployment.matches("[\\x21-\\x7E]+")) {
                return fail(2, "SCORING_DEPLOYMENT must be a deployment name"
                        + " (visible ASCII, no spaces or line breaks)");
            }
            request.header("azureml-model-deployment", deployment);
        }
        String timeout = System.getenv().getOrDefault("SCORING_TIMEOUT", "");
        timeout = timeout.isEmpty() ? "30" : timeout;
        double seconds;
        try {
            seconds = Double.parseDouble(timeout);
        } catch (NumberFormatException e) {
            seconds = 0;
        }
        if (!(seconds > 0 && seconds <= 86400)) { // also rejects NaN
            return fail(2, "SCORING_TIMEOUT must be 0 < seconds <= 86400, not \"" + timeout + "\"");
        }
        // The rows as JSON, or a file's bytes as they are; the answer is read as predictions, or as any JSON.
        String inputFile = System.getenv().getOrDefault("SCORING_INPUT_FILE", "");
        Class<?> answer = double[].class;
        if (inputFile.isEmpty()) {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(new ScoringRequest(ROWS))));
        } else {
            try {
                Path file = Path.of(inputFile);
                byte[] data = Files.readAllBytes(file);
                String field = System.getenv().getOrDefault("SCORING_INPUT_FIELD", "");
                String type = "application/octet-stream";
                if (!field.isEmpty()) {
                    String boundary = "scoring-" + UUID.randomUUID();
                    data = form(boundary, field, file.getFileName().toString(), data);
                    type = "multipart/form-data; boundary=" + boundary;
                }
                request.header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(data));
            } catch (IOException | InvalidPathException e) {
                String why = e instanceof NoSuchFileException ? "no such file" : reason(e);
                return fail(2, "cannot read SCORING_INPUT_FILE \"" + inputFile + "\": " + why);
            }
            answer = JsonNode.class;
        }

        try {
            Object result = score(request.build(), (long) (seconds * 1e9), answer);
            System.out.println(MAPPER.writeValueAsString(result)); // one line of JSON
            return 0;
        } catch (TimeoutException e) {
            return fail(1, "no response from " + uri + " within " + timeout + " s");
        } catch (IOException e) {
            return fail(1, "cannot reach " + uri + ": " + reason(e));
        } catch (ScoringException e) {
            return fail(1, e.getMessage());
        }
    }

    /** A multipart/form-data body with the file in one field (java.net.http has no form builder). */
    static byte[] form(String boundary, String field, String filename, byte[] data) {
        String type = URLConnection.guessContentTypeFromName(filename);
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + field + "\"; filename=\"" + filename + "\"\r\n"
                + "Content-Type: " + (type != null ? type : "application/octet-stream") + "\r\n\r\n";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        body.writeBytes(data);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    /** Sends the request and returns the service's answer read as {@code type}, retrying transient failures. */
    static <T> T score(HttpRequest request, long timeoutNanos, Class<T> type)
            throws IOException, InterruptedException, TimeoutException, ScoringException {
        // One deadline for every attempt: connecting, sending, reading the whole response and waiting
        // (HttpRequest.timeout() would stop counting once the headers arrive).
        long deadline = System.nanoTime() + timeoutNanos;
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = null;
            Exception failure;
            CompletableFuture<HttpResponse<String>> call =
                    CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            try {
                response = call.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                int status = response.statusCode();
                if (!RETRY_STATUS.contains(status)) {
                    return answer(request, response, type);
                }
                failure = new ScoringException(httpError(response));
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
                throw (ScoringException) failure;
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

    /** A successful response read as {@code type}; any other answer is a ScoringException. */
    private static <T> T answer(HttpRequest request, HttpResponse<String> response, Class<T> type)
            throws ScoringException {
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw new ScoringException(httpError(response));
        }
        String problem;
        try {
            T answer = MAPPER.readValue(response.body(), type); // predictions: one per row
            if (answer != null) {
                return answer;
            }
            problem = "expected a JSON array of numbers"; // the body was null
        } catch (JsonProcessingException e) {
            problem = e.getOriginalMessage();
        }
        throw new ScoringException("unexpected response from " + request.uri() + ": " + problem);
    }

    /** "HTTP 503 Service Unavailable: message" for a response that is not a success. */
    private static String httpError(HttpResponse<String> response) {
        int status = response.statusCode();
        String detail = detail(response.body());
        return ("HTTP " + status + " " + REASONS.getOrDefault(status, "")).strip()
                + (detail.isEmpty() ? "" : ": " + detail);
    }

    /** The "message" of a JSON error body, else the body text, on one line and cut to 200 characters. */
    private static String detail(String body) {
        String text = body;
        try {
            JsonNode message = MAPPER.readTree(body).path("message"); // {"status_code": 401, "message": "..."}
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
