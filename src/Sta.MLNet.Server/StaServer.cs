using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sta.MLNet.Server.Http;
using Sta.MLNet.Server.Jobs;

namespace Sta.MLNet.Server;

/// <summary>
/// The scoring service: an ASP.NET Core app with the jobs API (/api/v1), health checks (/healthz, /readyz), an
/// OpenAPI document (/openapi/v1.json) and the web page (/). Videos go through a bounded queue to a fixed number of
/// workers that share one loaded network. docs/serve.md describes the API, the limits and the security settings.
/// </summary>
public static class StaServer
{
    /// <summary>
    /// A host for the service; <c>Build().Run()</c> it, or start it and stop it like any generic host. The network in
    /// <paramref name="model"/> stays the caller's: release it after the host has stopped.
    /// </summary>
    public static IHostBuilder CreateHostBuilder(ServedModel model, StaServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new StaServerOptions();
        options.Validate();
        return Host.CreateDefaultBuilder()
            .ConfigureLogging(logging =>
            {
                // Per-request lines from the framework would bury the service's own job lines.
                logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
            })
            .ConfigureWebHost(web =>
            {
                web.UseKestrel(kestrel =>
                {
                    // The upload endpoint counts the file's bytes itself; this bound covers the multipart envelope too.
                    kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + UploadReader.EnvelopeBytes;
                    kestrel.AddServerHeader = false;
                });
                web.UseUrls([.. options.Urls]);
                web.ConfigureServices(services => AddServices(services, model, options));
                web.Configure(Configure);
            });
    }

    private static void AddServices(IServiceCollection services, ServedModel model, StaServerOptions options)
    {
        services.AddSingleton(model);
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UploadFolder>();
        services.AddSingleton(provider => new JobStore(options, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IVideoAnalyzer>(new ExplainingAnalyzer(model, options));
        services.AddSingleton<JobWorkers>();
        services.AddHostedService(provider => provider.GetRequiredService<JobWorkers>());
        services.AddHostedService<JobSweeper>();
        services.AddRouting();
        services.AddProblemDetails();
        services.AddOpenApi("v1", openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Sta.MLNet scoring service";
            document.Info.Description = "Upload a video, follow its job, read its verdict, per-clip P(fake) and heat maps. Errors are RFC 9457 problem documents.";
            return Task.CompletedTask;
        }));
    }

    private static void Configure(IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<StaServerOptions>();
        var check = options.ApiKey is { } key ? new ApiKeyCheck(key) : null;
        // Added as the response starts, so that error responses (whose headers are cleared first) carry them too.
        app.Use(next => context =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
            return next(context);
        });
        // Any exception that escapes a handler becomes a 500 problem document (or the status of a malformed request),
        // never a stack trace; the details go to the log under the trace id.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var status = error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
                return Problems.WriteAsync(context, status, Problems.DefaultDetail(status));
            },
        });
        app.UseStatusCodePages(context => context.HttpContext.Response.ContentLength is null && context.HttpContext.Response.ContentType is null
            ? Problems.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode, Problems.DefaultDetail(context.HttpContext.Response.StatusCode))
            : Task.CompletedTask);
        app.Use(next => ApiKeyCheck.Middleware(next, check));
        app.UseRouting();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapOpenApi("/openapi/{documentName}.json");
            Endpoints.Map(endpoints);
            WebPage.Map(endpoints);
        });
    }
}
