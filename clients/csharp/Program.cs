// Calls a model deployed as a web service and prints its predictions.
//
// Environment variables:
//   SCORING_URI      (required) scoring URI of the web service, for example
//                    http://127.0.0.1:5001/api/v1/service/myservice/score
//   SCORING_KEY      (optional) key or token; sent as "Authorization: Bearer <key>"
//   SCORING_TIMEOUT  (optional) seconds to wait for the whole call, retries
//                    included, default 30
//   SCORING_DEPLOYMENT (optional) the deployment of an Azure ML online endpoint
//                    to call, whatever its traffic split; sent as
//                    "azureml-model-deployment: <name>"
//   SCORING_INPUT_FILE (optional) a file (an image, say) to send as raw bytes with
//                    "Content-Type: application/octet-stream" instead of the rows,
//                    to a service that reads the raw request; its JSON answer is
//                    printed as it is
//   SCORING_INPUT_FIELD (optional) with SCORING_INPUT_FILE: upload the file as
//                    multipart/form-data in this form field instead (ModelArts:
//                    "images"), its type guessed from the file name
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (at
// most 10 s) or else 0.5, 1, then 2 s. Other errors, such as 400, 401 or a TLS
// certificate that fails verification, are not.
//
// Exit status: 0 success, 1 the call failed, 2 bad configuration.
using System;
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

namespace ScoringClient
{
    // The body the service expects: one row of features per prediction.
    internal class ScoringRequest
    {
        [JsonProperty("data")]
        public double[][] Data { get; set; }
    }

    // A call that got an answer, but not predictions; the message is one line for the user.
    internal class ScoringException : Exception
    {
        public ScoringException(string message) : base(message) { }
    }

    internal static class Program
    {
        // Two rows of ten features each, so the service returns two predictions.
        private static readonly double[][] Rows =
        {
            new[]
            {
                0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635, -0.0359677812752396,
                -0.0266789028311707, -0.0249926566315915, -0.00259226199818282, 0.00371173823343597, 0.0403433716478807,
            },
            new[]
            {
                -0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822, 0.0479653430750293,
                0.0293746718291555, -0.0176293810234174, 0.0343088588777263, 0.0702112981933102, 0.00720651632920303,
            },
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
                return Fail(2, "set SCORING_URI to the scoring URI of your web service");
            Uri uri;
            if (!Uri.TryCreate(uriText, UriKind.Absolute, out uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                return Fail(2, $"SCORING_URI must be an http:// or https:// URL, not \"{uriText}\"");
            string key = Environment.GetEnvironmentVariable("SCORING_KEY");
            string timeoutText = Environment.GetEnvironmentVariable("SCORING_TIMEOUT");
            if (string.IsNullOrEmpty(timeoutText))
                timeoutText = "30";
            double seconds;
            if (!double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds)
                || !(seconds > 0 && seconds <= 86400)) // also rejects NaN
                return Fail(2, $"SCORING_TIMEOUT must be 0 < seconds <= 86400, not \"{timeoutText}\"");
            string deployment = Environment.GetEnvironmentVariable("SCORING_DEPLOYMENT");
            if (!string.IsNullOrEmpty(deployment) && !Regex.IsMatch(deployment, @"^[\x21-\x7E]+\z"))
                return Fail(2, "SCORING_DEPLOYMENT must be a deployment name "
                    + "(visible ASCII, no spaces or line breaks)");

            // The rows as JSON, a file's bytes as they are, or the file in a form field. A new
            // body for every attempt: sending a request may dispose of its content.
            string inputFile = Environment.GetEnvironmentVariable("SCORING_INPUT_FILE");
            string field = Environment.GetEnvironmentVariable("SCORING_INPUT_FIELD");
            Func<HttpContent> payload;
            if (string.IsNullOrEmpty(inputFile))
            {
                byte[] json = Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(new ScoringRequest { Data = Rows }));
                payload = () => Bytes(json, "application/json");
            }
            else
            {
                try
                {
                    byte[] data = File.ReadAllBytes(inputFile);
                    string name = Path.GetFileName(inputFile);
                    if (string.IsNullOrEmpty(field))
                        payload = () => Bytes(data, "application/octet-stream");
                    else
                        payload = () => new MultipartFormDataContent
                        {
                            { Bytes(data, ContentTypeOf(name)), field, name },
                        };
                }
                catch (Exception e) when (
                    e is IOException || e is UnauthorizedAccessException || e is ArgumentException)
                {
                    return Fail(2, $"cannot read SCORING_INPUT_FILE \"{inputFile}\": {e.Message}");
                }
            }

            // One deadline for every attempt: connecting, sending, reading the whole response
            // and waiting between attempts. Redirects are not followed: a redirected POST
            // would be resent as a GET.
            var handler = new HttpClientHandler { AllowAutoRedirect = false };
            var timeout = TimeSpan.FromTicks(Math.Max(1, (long)(seconds * TimeSpan.TicksPerSecond)));
            using (var deadline = new CancellationTokenSource(timeout))
            using (var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan })
            {
                // An online endpoint sends the call to this deployment, whatever its traffic split.
                if (!string.IsNullOrEmpty(deployment))
                    client.DefaultRequestHeaders.Add("azureml-model-deployment", deployment);
                try
                {
                    string body = await CallAsync(client, uri, key, payload, DateTime.UtcNow + timeout, deadline.Token);
                    // Predictions: one per row, as a JSON array; for a file, whatever JSON the service answers.
                    Console.WriteLine(string.IsNullOrEmpty(inputFile)
                        ? JsonConvert.SerializeObject(Predictions(uri, body))
                        : Answer(uri, body).ToString(Formatting.None));
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

        // POSTs the payload and returns the service's successful answer, retrying transient
        // failures until the deadline.
        private static async Task<string> CallAsync(
            HttpClient client, Uri uri, string key, Func<HttpContent> payload, DateTime endsAt,
            CancellationToken deadline)
        {
            for (int attempt = 1; ; attempt++)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, uri);
                request.Content = payload();
                if (!string.IsNullOrEmpty(key))
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

                Exception failure;
                TimeSpan wait = TimeSpan.FromMilliseconds(500 << (attempt - 1)); // 0.5, 1, 2 s
                try
                {
                    using (HttpResponseMessage response = await client.SendAsync(request, deadline))
                    {
                        string body = await response.Content.ReadAsStringAsync();
                        int status = (int)response.StatusCode;
                        if (response.IsSuccessStatusCode)
                            return body;
                        if (!RetryStatus.Contains(status))
                            throw new ScoringException($"HTTP {status} {response.ReasonPhrase}{Detail(body)}");
                        failure = new ScoringException($"HTTP {status} {response.ReasonPhrase}{Detail(body)}");
                        // Retry-After in seconds, at most 10 s, replaces the backoff.
                        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
                        if (retryAfter.HasValue && retryAfter.Value >= TimeSpan.Zero)
                            wait = TimeSpan.FromSeconds(Math.Min(retryAfter.Value.TotalSeconds, 10));
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

        // Bytes with exactly this media type (no charset parameter).
        private static HttpContent Bytes(byte[] data, string mediaType)
        {
            var content = new ByteArrayContent(data);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return content;
        }

        // The media type of a file by its extension; .NET has no such table outside ASP.NET.
        private static string ContentTypeOf(string fileName)
        {
            switch (Path.GetExtension(fileName).ToLowerInvariant())
            {
                case ".png": return "image/png";
                case ".jpg": case ".jpeg": return "image/jpeg";
                case ".gif": return "image/gif";
                case ".bmp": return "image/bmp";
                default: return "application/octet-stream";
            }
        }

        // The predictions in an answer, one per row; any other answer is a ScoringException.
        private static double[] Predictions(Uri uri, string body)
        {
            string problem = "expected a JSON array of numbers";
            try
            {
                // The service answers with one prediction per row.
                var array = JToken.Parse(body) as JArray;
                if (array != null && array.All(IsFiniteNumber))
                    return array.Select(token => (double)token).ToArray();
            }
            catch (JsonException e)
            {
                problem = e.Message;
            }
            throw new ScoringException($"unexpected response from {uri.OriginalString}: {problem}");
        }

        // Any JSON answer; a body that is not JSON is a ScoringException.
        private static JToken Answer(Uri uri, string body)
        {
            try
            {
                return JToken.Parse(body);
            }
            catch (JsonException e)
            {
                throw new ScoringException($"unexpected response from {uri.OriginalString}: {e.Message}");
            }
        }

        private static bool IsFiniteNumber(JToken token) =>
            (token.Type == JTokenType.Integer || token.Type == JTokenType.Float)
            && !double.IsNaN((double)token) && !double.IsInfinity((double)token);

        // ": " and the "message" of a JSON error body, else the body text, on one line
        // and cut to 200 characters; "" for an empty body.
        private static string Detail(string body)
        {
            string text = body;
            try
            {
                // {"status_code": 401, "message": "missing or invalid key"}
                JToken message = (JToken.Parse(body) as JObject)?["message"];
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
