// Runs a job on an Azure ML Studio (classic) Batch Execution service and prints its final status.
//
// Environment variables:
//   SCORING_URI      (required) the jobs URI from the service's API help page, for example
//                    https://ussouthcentral.services.azureml.net/workspaces/<ws>/services/<id>/jobs?api-version=2.0
//   SCORING_KEY      (optional) the service's API key; sent as "Authorization: Bearer <key>"
//   SCORING_POLL_INTERVAL (optional) seconds between status checks, default 1
//   SCORING_TIMEOUT  (optional) seconds the whole job may take, submitting, retries
//                    and polling included, default 300
//
// 1. Submits the job: POST <jobs URI> with "Content-Type: application/json" and
//    two rows of the diabetes example as an input table,
//      {"Inputs": {"input1": {"ColumnNames": ["age", ...], "Values": [[...], [...]]}}, "GlobalParameters": {}}
//    and gets the job id back, a JSON string.
// 2. Starts it: POST <jobs URI path>/<id>/start?api-version=2.0, no body.
// 3. Polls GET <jobs URI path>/<id>?api-version=2.0 until its StatusCode is
//    Finished, and prints that status, {"StatusCode": "Finished", "Results": {...}, ...},
//    as the service wrote it, less the whitespace between its tokens. A job that
//    ends Failed or Cancelled is an error.
// (The real service reads its inputs from and writes its results to Azure blob
// storage, named in the body as Inputs/Outputs; this sample sends the table inline.)
//
// Transient failures (HTTP 429, 502, 503, 504, a reset or refused connection)
// are retried up to 3 times, after the Retry-After the service asks for (seconds
// or an HTTP date, at most 10 s) or else 0.5, 1, then 2 s, within SCORING_TIMEOUT.
// Other errors, such as 400, 401, 404, a timeout or a TLS certificate that fails
// verification, are not. But the submit creates a job: it is sent again only where
// the service cannot have acted on it (429, 503, a refused connection); a reset,
// 502, 504 or timeout is reported (the job may exist). A repeated start answered
// 409 Conflict means the first start got through: the job is started.
//
// Exit status: 0 the job finished, 1 the call or the job failed, 2 bad configuration.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace ClassicBes
{
    // A call that got an answer, but not a usable one; the message is one line for the user.
    internal class ScoringException : Exception
    {
        public ScoringException(string message) : base(message) { }
    }

    internal static class Program
    {
        // The input table: ten features of the diabetes example, two rows, so two predictions.
        private static readonly string[] Columns = { "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6" };

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

        // The steps of a job, by which a failed request may or may not be sent again.
        private enum Step { Submit, Start, Poll }

        // What a failed submit adds to its message: it creates a job, so it is not sent again
        // when the service may have acted on it.
        private const string MayExist = " (the job may have been created)";

        // A synchronous Main that waits for the async code also builds with Mono's mcs (C# 7).
        // Environment.Exit, rather than returning the status, because Mono sometimes hangs on
        // the way out after an HttpClient call.
        private static void Main() => Environment.Exit(RunAsync().GetAwaiter().GetResult());

        private static async Task<int> RunAsync()
        {
            string uriText = Environment.GetEnvironmentVariable("SCORING_URI");
            if (string.IsNullOrEmpty(uriText))
                return Fail(2, "set SCORING_URI to the jobs URI of your web service");
            Uri jobs;
            if (!Uri.TryCreate(uriText, UriKind.Absolute, out jobs)
                || (jobs.Scheme != Uri.UriSchemeHttp && jobs.Scheme != Uri.UriSchemeHttps))
                return Fail(2, $"SCORING_URI must be an http:// or https:// URL, not \"{uriText}\"");
            string key = Environment.GetEnvironmentVariable("SCORING_KEY");
            // Visible ASCII only: a space or line break is a pasting mistake, and a line break
            // would end the Authorization header and start another.
            if (!string.IsNullOrEmpty(key) && !Regex.IsMatch(key, @"^[\x21-\x7E]+\z"))
                return Fail(2, "SCORING_KEY must be visible ASCII (no spaces or line breaks)");
            TimeSpan timeout, interval;
            string timeoutText = Seconds("SCORING_TIMEOUT", "300", out timeout);
            if (timeoutText == null)
                return 2;
            if (Seconds("SCORING_POLL_INTERVAL", "1", out interval) == null)
                return 2;

            // The table as classic services take it; GlobalParameters are the web service parameters, if any.
            var input = new
            {
                Inputs = new { input1 = new { ColumnNames = Columns, Values = Rows } },
                GlobalParameters = new { },
            };
            byte[] json = Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(input));

            // One deadline for the whole job: every request, retries and the waits between
            // status checks. Redirects are not followed: a redirected POST would be resent as a GET.
            var handler = new HttpClientHandler { AllowAutoRedirect = false };
            DateTime endsAt = DateTime.UtcNow + timeout;
            string id = null;
            using (var deadline = new CancellationTokenSource(timeout))
            using (var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan })
            {
                // A connection per request: .NET and Mono silently resend a request whose reused
                // connection failed, and only this code may decide whether a submit or start is resent.
                client.DefaultRequestHeaders.ConnectionClose = true;
                try
                {
                    // 1. Submit: the answer is the new job's id, as a JSON string.
                    byte[] answer = await CallAsync(client, Step.Submit, jobs, key, json, endsAt, deadline.Token);
                    id = JobId(jobs, answer);

                    // 2. Start the job.
                    Uri start = JobUri(jobs, id, "/start");
                    await CallAsync(client, Step.Start, start, key, null, endsAt, deadline.Token);

                    // 3. Poll its status: NotStarted, Running, then Finished, Failed or Cancelled.
                    Uri statusUri = JobUri(jobs, id, "");
                    while (true)
                    {
                        byte[] body = await CallAsync(client, Step.Poll, statusUri, key, null, endsAt, deadline.Token);
                        JObject status = Answer(statusUri, body) as JObject;
                        JToken code = status?["StatusCode"];
                        if (code == null || code.Type != JTokenType.String)
                            throw new ScoringException($"unexpected response from {statusUri.OriginalString}: "
                                + "expected a job status with a StatusCode");
                        string state = (string)code;
                        switch (state)
                        {
                            case "Finished":
                                PrintCompact(body);
                                return 0;
                            case "Failed":
                            case "Cancelled":
                                return Fail(1, $"job {id} {state}: {Details(status["Details"])}");
                        }
                        await Task.Delay(interval, deadline.Token); // NotStarted, Running: not yet
                    }
                }
                catch (OperationCanceledException)
                {
                    return id == null
                        ? Fail(1, $"no response from {uriText} within {timeoutText} s{MayExist}")
                        : Fail(1, $"job {id} did not finish within {timeoutText} s");
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

        // Sends one request of a step (a POST with the JSON body, if any, or the poll's GET) and
        // returns the service's successful answer, retrying transient failures until the deadline.
        private static async Task<byte[]> CallAsync(
            HttpClient client, Step step, Uri uri, string key, byte[] json, DateTime endsAt,
            CancellationToken deadline)
        {
            for (int attempt = 1; ; attempt++)
            {
                // A new request for every attempt: sending one may dispose of its content.
                var request = new HttpRequestMessage(step == Step.Poll ? HttpMethod.Get : HttpMethod.Post, uri);
                if (json != null)
                {
                    request.Content = new ByteArrayContent(json);
                    // Exactly "application/json": StringContent would add "; charset=utf-8".
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                }
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
                        // A 409 to a repeated start: the first start reached the service, the job runs.
                        if (response.IsSuccessStatusCode || (step == Step.Start && attempt > 1 && status == 409))
                            return body;
                        failure = new ScoringException($"HTTP {status} {response.ReasonPhrase}{Detail(body)}");
                        bool busy = status == 429 || status == 503; // the service did not act on the request
                        if (!busy && !RetryStatus.Contains(status))
                            throw failure;
                        if (!busy && step == Step.Submit) // 502, 504: the job may exist all the same
                            throw new ScoringException(failure.Message + MayExist);
                        wait = RetryAfter(response) ?? wait;
                    }
                }
                // A certificate that fails verification fails again on every retry: report it at once.
                catch (HttpRequestException e) when (
                    !deadline.IsCancellationRequested && !Caused<AuthenticationException>(e, x => true))
                {
                    // Refused: nothing was sent, worth another try. Reset or closed: so is a start or
                    // a poll, but a submit may have created the job.
                    if (step == Step.Submit && !Caused<SocketException>(
                            e, x => x.SocketErrorCode == SocketError.ConnectionRefused))
                        throw new ScoringException(
                            $"cannot reach {uri.OriginalString}: {e.GetBaseException().Message}{MayExist}");
                    failure = e;
                }
                if (attempt == Attempts || DateTime.UtcNow + wait >= endsAt)
                    throw failure;
                await Task.Delay(wait, deadline);
            }
        }

        // <jobs URI path>/<id><action>?<jobs URI query>, e.g. .../jobs/<id>/start?api-version=2.0.
        private static Uri JobUri(Uri jobs, string id, string action) => new Uri(
            jobs.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + Uri.EscapeDataString(id) + action + jobs.Query);

        // The job id in the submit answer; anything but a non-empty JSON string is a ScoringException.
        private static string JobId(Uri jobs, byte[] body)
        {
            JToken id = Answer(jobs, body);
            if (id.Type != JTokenType.String || ((string)id).Length == 0)
                throw new ScoringException(
                    $"unexpected response from {jobs.OriginalString}: expected the job id, a JSON string");
            return (string)id;
        }

        // The JSON answer; a body that is not JSON is a ScoringException.
        private static JToken Answer(Uri uri, byte[] body)
        {
            string problem = "the answer is empty";
            try
            {
                JToken answer = JToken.Parse(Encoding.UTF8.GetString(body));
                if (answer != null)
                    return answer;
            }
            catch (JsonException e)
            {
                problem = e.Message;
            }
            throw new ScoringException($"unexpected response from {uri.OriginalString}: {problem}");
        }

        // A failed job's Details (a message, usually) on one line.
        private static string Details(JToken details)
        {
            string text = details == null || details.Type == JTokenType.Null ? "no details"
                : details.Type == JTokenType.String ? (string)details
                : details.ToString(Formatting.None);
            return string.Join(" ", text.Split((char[])null, StringSplitOptions.RemoveEmptyEntries));
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

        // ": " and the "error.message" of a JSON error body, else the body text, on one line
        // and cut to 200 characters; "" for an empty body.
        private static string Detail(byte[] body)
        {
            string text = Encoding.UTF8.GetString(body);
            try
            {
                // {"error": {"code": "JobNotFound", "message": "no job 'x'; submit one first"}}
                JToken message = JToken.Parse(text)?.SelectToken("error.message");
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

        // The variable's value (or the default) as a time span in (0, 86400] seconds, and its
        // text; null (after saying why) when it is not such a number.
        private static string Seconds(string name, string defaultText, out TimeSpan span)
        {
            string text = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(text))
                text = defaultText;
            double seconds;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds)
                || !(seconds > 0 && seconds <= 86400)) // also rejects NaN
            {
                span = TimeSpan.Zero;
                Fail(2, $"{name} must be 0 < seconds <= 86400, not \"{text}\"");
                return null;
            }
            span = TimeSpan.FromTicks(Math.Max(1, (long)(seconds * TimeSpan.TicksPerSecond)));
            return text;
        }

        // Whether the exception or one of its inner exceptions is a T that passes the test: .NET
        // and Mono both wrap a failed TLS handshake (an AuthenticationException: an untrusted or
        // invalid certificate, say) and a refused connection (a SocketException) that way.
        private static bool Caused<T>(Exception e, Func<T, bool> test) where T : Exception
        {
            for (; e != null; e = e.InnerException)
                if (e is T && test((T)e))
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
