using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.WebUtilities;

namespace Sta.MLNet.Server.Http;

/// <summary>
/// Every error the service answers is an RFC 9457 problem document (<c>application/problem+json</c>): type, status,
/// title, a detail written for the client and a trace id to find the server's log line. Never an exception's text or
/// stack trace.
/// </summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    public static IResult Result(int status, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: ReasonPhrases.GetReasonPhrase(status), extensions: extensions);

    /// <summary>Writes a problem document straight to the response (middleware, where no endpoint result runs).</summary>
    public static async Task WriteAsync(HttpContext context, int status, string detail)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = ReasonPhrases.GetReasonPhrase(status), Detail = detail },
        });
    }

    /// <summary>A sentence for a status the service itself did not choose (a framework error page).</summary>
    public static string DefaultDetail(int status) => status switch
    {
        (int)HttpStatusCode.NotFound => "Nothing is here. The API is under /api/v1 (see /openapi/v1.json); the page is at /.",
        (int)HttpStatusCode.MethodNotAllowed => "This method is not allowed here (see /openapi/v1.json).",
        (int)HttpStatusCode.RequestEntityTooLarge => "The request is larger than the service accepts.",
        (int)HttpStatusCode.BadRequest => "The request could not be read.",
        _ when status >= 500 => "The service failed to handle the request; the server's log has the details under this trace id.",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };
}
