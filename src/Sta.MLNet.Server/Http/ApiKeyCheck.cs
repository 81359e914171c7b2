using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Sta.MLNet.Server.Http;

/// <summary>
/// The optional API key on every <c>/api/</c> request, in <c>X-Api-Key</c> or <c>Authorization: Bearer</c>. Compared as
/// SHA-256 digests with a constant-time comparison, so neither the key's content nor its length can be found from how
/// long a refusal takes. The page, its assets, the health checks and the OpenAPI document stay open: they hold no data.
/// </summary>
internal sealed class ApiKeyCheck(string expected)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(expected));

    public bool Accepts(HttpRequest request)
    {
        string? given = request.Headers["X-Api-Key"].FirstOrDefault();
        if (given is null && request.Headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            given = authorization["Bearer ".Length..].Trim();
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(given ?? ""));
        return CryptographicOperations.FixedTimeEquals(digest, _expected) && given is not null;
    }

    public static RequestDelegate Middleware(RequestDelegate next, ApiKeyCheck? check) => async context =>
    {
        if (check is not null && context.Request.Path.StartsWithSegments("/api") && !check.Accepts(context.Request))
        {
            context.Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
            await Problems.WriteAsync(context, StatusCodes.Status401Unauthorized,
                "This service needs an API key: send it in the X-Api-Key header (or Authorization: Bearer KEY).");
            return;
        }
        await next(context);
    };
}
