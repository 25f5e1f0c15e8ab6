// Calls a model on an Open Inference Protocol v2 server (KServe, NVIDIA Triton,
// Seldon MLServer) and prints its answer, the predictions.
//
// Environment variables:
//   SCORING_URI      (required) the model's infer URL, for example
//                    http://localhost:8080/v2/models/diabetes/infer
//   SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer <key>"
//   SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
//                    included, default 30
//
// Sends POST with "Content-Type: application/json" and the two rows as one FP64
// tensor of shape [2, 10], its data flat (row-major):
//   {"inputs": [{"name": "input-0", "shape": [2, 10], "datatype": "FP64", "data": [...]}]}
// and prints the answer, {"outputs": [{..., "data": [...]}]}, as the service wrote it
// less the whitespace between its tokens, once its first output's data are numbers.
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (seconds
// or an HTTP date, at most 10 s) or else 0.5, 1, then 2 s, within SCORING_TIMEOUT.
// Other errors, such as 400, 401, 404, a timeout or a TLS certificate that fails
// verification, are not.
//
// Exit status: 0 success, 1 the call failed, 2 bad configuration.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace OipInfer
{
    // A call that got an answer, but not a usable one; the message is one line for the user.
    internal class ScoringException : Exception
    {
        public ScoringException(string message) : base(message) { }
    }

    internal static class Program
    {
        // Two rows of ten features each, so the service returns two predictions.
        private static readonly double[][] Rows =
        {
            new[] { 0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635,
                -0.0359677812752396, -0.0266789028311707, -0.0249926566315915, -0.00259226199818282,
                0.00371173823343597, 0.0403433716478807 },
            new[] { -0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822,
                0.0479653430750293, 0.0293746718291555, -0.0176293810234174, 0.0343088588777263,
                0.0702112981933102, 0.00720651632920303 },
        };

        private const int Attempts = 4; // one call and up to three retries

        // The answers of a service that is busy or restarting.
        private static readonly int[] RetryStatus = { 429, 502, 503, 504 };

        // A synchronous Main that waits for the async code also builds with Mono's mcs (C# 7).
        // Environment.Exit, rather than returning the status, because Mono sometimes hangs on
        // the way out after an HttpClient call.
        private static void Main() => Environment.Exit(RunAsync().GetAwaiter().GetResult());

        private static async Task<int> RunAsync()
        {
            string uriText = Environment.GetEnvironmentVariable("SCORING_URI");
            if (string.IsNullOrEmpty(uriText))
                return Fail(2, "set SCORING_URI to the infer URL of your model: .../v2/models/<name>/infer");
            Uri uri;
            if (!Uri.TryCreate(uriText, UriKind.Absolute, out uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                return Fail(2, $"SCORING_URI must be an http:// or https:// URL, not \"{uriText}\"");
            string key = Environment.GetEnvironmentVariable("SCORING_KEY");
            // Visible ASCII only: a space or line break is a pasting mistake, and a line break
            // would end the Authorization header and start another.
            if (!string.IsNullOrEmpty(key) && !Regex.IsMatch(key, @"^[\x21-\x7E]+\z"))
                return Fail(2, "SCORING_KEY must be visible ASCII (no spaces or line breaks)");
            string timeoutText = Environment.GetEnvironmentVariable("SCORING_TIMEOUT");
            if (string.IsNullOrEmpty(timeoutText))
                timeoutText = "30";
            double seconds;
            if (!double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds)
                || !(seconds > 0 && seconds <= 86400)) // also rejects NaN
                return Fail(2, $"SCORING_TIMEOUT must be 0 < seconds <= 86400, not \"{timeoutText}\"");

            // One tensor of shape [rows, features], its data flat (row-major).
            var input = new
            {
                name = "input-0",
                shape = new[] { Rows.Length, Rows[0].Length },
                datatype = "FP64",
                data = Rows.SelectMany(row => row).ToArray(),
            };
            byte[] json = Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(new { inputs = new[] { input } }));

            // One deadline for every attempt: connecting, sending, reading the whole response
            // and waiting between attempts. Redirects are not followed: a redirected POST
            // would be resent as a GET.
            var handler = new HttpClientHandler { AllowAutoRedirect = false };
            var timeout = TimeSpan.FromTicks(Math.Max(1, (long)(seconds * TimeSpan.TicksPerSecond)));
            using (var deadline = new CancellationTokenSource(timeout))
            using (var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan })
            {
                try
                {
                    byte[] body = await CallAsync(client, uri, key, json, DateTime.UtcNow + timeout, deadline.Token);
                    CheckPredictions(uri, body);
                    PrintCompact(body);
                    return 0;
                }
                catch (OperationCanceledException)
                {
                    return Fail(1, $"no response from {uriText} within {timeoutText} s");
                }
                catch (HttpRequestException e)
                {
                    return Fail(1, $"cannot reach {uriText}: {e.GetBaseException().Message}");
                }
                catch (ScoringException e)
                {
                    return Fail(1, e.Message);
                }
            }
        }

        // POSTs the JSON and returns the service's successful answer, retrying transient
        // failures until the deadline.
        private static async Task<byte[]> CallAsync(
            HttpClient client, Uri uri, string key, byte[] json, DateTime endsAt, CancellationToken deadline)
        {
            for (int attempt = 1; ; attempt++)
            {
                // A new request for every attempt: sending one may dispose of its content.
                var request = new HttpRequestMessage(HttpMethod.Post, uri);
                request.Content = new ByteArrayContent(json);
                // Exactly "application/json": StringContent would add "; charset=utf-8".
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                if (!string.IsNullOrEmpty(key))
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

                Exception failure;
                TimeSpan wait = TimeSpan.FromMilliseconds(500 << (attempt - 1)); // 0.5, 1, 2 s
                try
                {
                    using (HttpResponseMessage response = await client.SendAsync(request, deadline))
                    {
                        byte[] body = await response.Content.ReadAsByteArrayAsync();
                        int status = (int)response.StatusCode;
                        if (response.IsSuccessStatusCode)
                            return body;
                        failure = new ScoringException($"HTTP {status} {response.ReasonPhrase}{Detail(body)}");
                        if (!RetryStatus.Contains(status))
                            throw failure;
                        wait = RetryAfter(response) ?? wait;
                    }
                }
                // A certificate that fails verification fails again on every retry: report it at once.
                catch (HttpRequestException e) when (!deadline.IsCancellationRequested && !IsTlsFailure(e))
                {
                    failure = e; // refused, reset: worth another try
                }
                if (attempt == Attempts || DateTime.UtcNow + wait >= endsAt)
                    throw failure;
                await Task.Delay(wait, deadline);
            }
        }

        // The answer must hold the predictions, numbers in the data of its first output:
        // {"outputs": [{"name", "shape", "datatype", "data": [...]}]}; else a ScoringException.
        private static void CheckPredictions(Uri uri, byte[] body)
        {
            string problem = "expected {\"outputs\": [{\"data\": [numbers]}]}";
            try
            {
                var answer = JToken.Parse(Encoding.UTF8.GetString(body)) as JObject;
                JArray data = (answer?["outputs"] as JArray)?.FirstOrDefault()?["data"] as JArray;
                if (data != null && data.All(p => p.Type == JTokenType.Float || p.Type == JTokenType.Integer))
                    return;
            }
            catch (JsonException e)
            {
                problem = e.Message;
            }
            throw new ScoringException($"unexpected response from {uri.OriginalString}: {problem}");
        }

        // The wait a Retry-After asks for, 0 to 10 s: digits are seconds, else an HTTP date
        // ("Wed, 21 Oct 2026 07:28:00 GMT"); null for anything else ("nan", "-3"): the backoff applies.
        private static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            IEnumerable<string> values;
            if (!response.Headers.TryGetValues("Retry-After", out values))
                return null;
            string text = values.First().Trim();
            double seconds;
            DateTimeOffset date;
            if (double.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds)) // digits only
                seconds = Math.Min(seconds, 10);
            else if (DateTimeOffset.TryParseExact(
                    text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
                seconds = Math.Max(0, Math.Min((date - DateTimeOffset.UtcNow).TotalSeconds, 10));
            else
                return null;
            return TimeSpan.FromSeconds(seconds);
        }

        // Prints the answer as received, less JSON's insignificant whitespace (space, tab, LF, CR
        // between tokens), and a newline: no number or string is rewritten. The bytes go out as
        // they came (UTF-8), whatever the console's encoding.
        private static void PrintCompact(byte[] json)
        {
            var output = new MemoryStream();
            bool inString = false, escaped = false;
            foreach (byte b in json)
            {
                if (escaped)
                    escaped = false; // the character after a backslash in a string
                else if (inString)
                {
                    escaped = b == '\\';
                    inString = b != '"';
                }
                else if (b == ' ' || b == '\t' || b == '\n' || b == '\r')
                    continue; // between tokens: dropped
                else
                    inString = b == '"';
                output.WriteByte(b);
            }
            output.WriteByte((byte)'\n');
            using (Stream stdout = Console.OpenStandardOutput())
                output.WriteTo(stdout);
        }

        // ": " and the "error" of an inference error body, else the body text, on one line
        // and cut to 200 characters; "" for an empty body.
        private static string Detail(byte[] body)
        {
            string text = Encoding.UTF8.GetString(body);
            try
            {
                // {"error": "Model diabetes-v9 not found"}
                JToken message = (JToken.Parse(text) as JObject)?["error"];
                if (message != null && message.Type == JTokenType.String && ((string)message).Trim().Length > 0)
                    text = (string)message;
            }
            catch (JsonException)
            {
                // not JSON: use the body text
            }
            text = string.Join(" ", text.Split((char[])null, StringSplitOptions.RemoveEmptyEntries));
            if (text.Length > 200)
                text = text.Substring(0, 200);
            return text.Length == 0 ? "" : ": " + text;
        }

        // A failed TLS handshake (an untrusted or invalid certificate, say): .NET and Mono both
        // report it as an AuthenticationException among the inner exceptions.
        private static bool IsTlsFailure(Exception e)
        {
            for (; e != null; e = e.InnerException)
                if (e is AuthenticationException)
                    return true;
            return false;
        }

        // The message on one line: Mono's can hold newlines (a TLS error adds "  at ./external/...").
        private static int Fail(int status, string message)
        {
            Console.Error.WriteLine("error: " + Regex.Replace(message.Trim(), @"\s*\n\s*", " "));
            return status;
        }
    }
}
