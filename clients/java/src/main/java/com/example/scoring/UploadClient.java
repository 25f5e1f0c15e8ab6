package com.example.scoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLConnection;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Uploads a file (an image, say) to a model deployed as a web service and prints its JSON answer.
 *
 * <p>Environment variables:
 * <pre>
 *   SCORING_URI      (required) scoring URI of the web service, for example
 *                    http://127.0.0.1:5001/api/v1/service/myservice/score
 *   SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer &lt;key&gt;"
 *   SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
 *                    included, default 30
 *   SCORING_INPUT_FILE (required) the file to send, as raw bytes with
 *                    "Content-Type: application/octet-stream", to a service whose
 *                    scoring script reads the raw request
 *   SCORING_INPUT_FIELD (optional) upload the file as multipart/form-data in this
 *                    form field instead (ModelArts: "images"), with its name and a
 *                    type guessed from it (image/png)
 * </pre>
 * Prints the answer, any JSON, as the service wrote it without the whitespace between its tokens.
 *
 * <p>Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
 * are retried up to 3 times, after the Retry-After the service asks for (seconds
 * or an HTTP date, at most 10 s) or else 0.5, 1, then 2 s, all within SCORING_TIMEOUT.
 * Other errors, such as 400, 401, a timeout or a TLS certificate that fails verification, are not.
 *
 * Exit status: 0 success, 1 the call failed, 2 bad configuration.
 */
public final class UploadClient {
    /** Strict JSON: nothing after the value. */
    private static final JsonMapper MAPPER =
            JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

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
            return fail(2, "set SCORING_URI to the scoring URI of your web service");
        }
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(uri)); // accepts only http(s) URIs with a host
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
        String inputFile = System.getenv().getOrDefault("SCORING_INPUT_FILE", "");
        if (inputFile.isEmpty()) {
            return fail(2, "set SCORING_INPUT_FILE to the file to send");
        }
        try { // the file's bytes as they are, or in a form field
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

        try {
            HttpResponse<byte[]> response = send(request.build(), System.nanoTime() + (long) (seconds * 1e9));
            try {
                MAPPER.readTree(response.body()); // any JSON
            } catch (JsonProcessingException e) {
                return fail(1, "unexpected response from " + uri + ": " + e.getOriginalMessage());
            }
            System.out.writeBytes(compact(response.body())); // the answer as the service wrote it
            System.out.flush();
            return 0;
        } catch (TimeoutException e) {
            return fail(1, "no response from " + uri + " within " + timeout + " s");
        } catch (IOException e) {
            return fail(1, "cannot reach " + uri + ": " + reason(e));
        } catch (ServiceException e) {
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

    /** Sends the request until a 2xx answer, retrying transient failures, all before {@code deadline} (nanoTime). */
    static HttpResponse<byte[]> send(HttpRequest request, long deadline)
            throws IOException, InterruptedException, TimeoutException, ServiceException {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<byte[]> response = null;
            Exception failure;
            // Waiting on the future bounds the whole exchange (HttpRequest.timeout() stops at the headers).
            CompletableFuture<HttpResponse<byte[]>> call =
                    CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
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
            if (attempt == ATTEMPTS || causedBy(failure, SSLHandshakeException.class)
                    || System.nanoTime() + wait >= deadline) {
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

    /** "HTTP 503 Service Unavailable: message" for a response that is not a success. */
    private static String httpError(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String detail = detail(new String(response.body(), StandardCharsets.UTF_8));
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
